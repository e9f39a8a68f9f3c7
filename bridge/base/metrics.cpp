#include "bridge/base/metrics.h"

#include <cmath>
#include <sstream>

namespace causeway {
namespace {

std::string escape_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

Counter& Metrics::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  Family& family = families_[name];
  if (family.help.empty()) family.help = help;
  auto& slot = family.series[render_labels(labels)];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

void Metrics::gauge(const std::string& name, const std::string& help, std::function<double()> read,
                    const Labels& labels) {
  std::lock_guard lock(mu_);
  Family& family = families_[name];
  family.help = help;
  family.is_gauge = true;
  family.gauge_read = std::move(read);
  family.gauge_labels = render_labels(labels);
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, family] : families_) {
    out << "# HELP " << name << ' ' << family.help << '\n';
    out << "# TYPE " << name << ' ' << (family.is_gauge ? "gauge" : "counter") << '\n';
    if (family.is_gauge) {
      double v = family.gauge_read ? family.gauge_read() : 0.0;
      out << name << family.gauge_labels << ' ';
      if (std::floor(v) == v && std::fabs(v) < 1e15) out << static_cast<long long>(v) << '\n';
      else out << v << '\n';
      continue;
    }
    for (const auto& [labels, counter] : family.series) out << name << labels << ' ' << counter->value() << '\n';
  }
  return out.str();
}

}  // namespace causeway
