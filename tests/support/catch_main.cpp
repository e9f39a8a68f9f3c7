// Catch2's main, in its own file so it is compiled once (it is slow to compile).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
