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
  family.type = Family::Type::gauge;
  family.gauges[render_labels(labels)] = std::move(read);
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mu_);
  Family& family = families_[name];
  if (family.help.empty()) family.help = help;
  family.type = Family::Type::histogram;
  auto& slot = family.histograms[render_labels(labels)];
  if (!slot.second) {
    slot.first = labels;
    slot.second = std::make_unique<Histogram>(std::vector<double>{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
  }
  return *slot.second;
}

Histogram::Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::lock_guard lock(mu_);
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::lock_guard lock(mu_);
  std::vector<std::uint64_t> out;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) out.push_back(total += counts_[i]);
  return out;
}

std::uint64_t Histogram::count() const {
  std::lock_guard lock(mu_);
  std::uint64_t total = 0;
  for (auto c : counts_) total += c;
  return total;
}

double Histogram::sum() const {
  std::lock_guard lock(mu_);
  return sum_;
}

std::string Metrics::render() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, family] : families_) {
    out << "# HELP " << name << ' ' << family.help << '\n';
    const char* type = family.type == Family::Type::gauge       ? "gauge"
                       : family.type == Family::Type::histogram ? "histogram"
                                                                : "counter";
    out << "# TYPE " << name << ' ' << type << '\n';
    if (family.type == Family::Type::gauge) {
      for (const auto& [labels, read] : family.gauges) {
        double v = read ? read() : 0.0;
        out << name << labels << ' ';
        if (std::floor(v) == v && std::fabs(v) < 1e15) out << static_cast<long long>(v) << '\n';
        else out << v << '\n';
      }
      continue;
    }
    if (family.type == Family::Type::histogram) {
      for (const auto& [rendered, entry] : family.histograms) {
        const auto& [labels, h] = entry;
        auto cumulative = h->cumulative();
        for (std::size_t i = 0; i < cumulative.size(); ++i) {
          std::ostringstream le;
          le << h->bounds()[i];
          Labels with = labels;
          with.emplace_back("le", le.str());
          out << name << "_bucket" << render_labels(with) << ' ' << cumulative[i] << '\n';
        }
        Labels inf = labels;
        inf.emplace_back("le", "+Inf");
        out << name << "_bucket" << render_labels(inf) << ' ' << h->count() << '\n';
        out << name << "_sum" << rendered << ' ' << h->sum() << '\n';
        out << name << "_count" << rendered << ' ' << h->count() << '\n';
      }
      continue;
    }
    for (const auto& [labels, counter] : family.series) out << name << labels << ' ' << counter->value() << '\n';
  }
  return out.str();
}

}  // namespace causeway
