// Result<T> and Status: how every fallible call in causeway reports failure. The message is meant
// for a person: it names the input that failed and, where possible, what to do about it.
#pragma once

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace causeway {

struct Error {
  std::string message;
};

inline Error make_error(std::string message) { return Error{std::move(message)}; }

// E is the failure type; the default, Error, is a message. Modules with richer failures (XRPC's
// typed errors) use their own E and keep the same interface.
template <class T, class E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(E error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // The message for Result<T>; the failure itself for other error types.
  decltype(auto) error() const {
    if constexpr (std::is_same_v<E, Error>) return (std::get<1>(v_).message);
    else return (std::get<1>(v_));
  }
  E take_error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, E> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : failed_(true), message_(std::move(error.message)) {}
  static Status success() { return {}; }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& error() const { return message_; }

 private:
  bool failed_ = false;
  std::string message_;
};

}  // namespace causeway
