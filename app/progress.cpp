#include "app/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace loket {

namespace {
constexpr int bar_width = 40;
constexpr auto redraw_interval = std::chrono::milliseconds(100);
}  // namespace

ProgressBar::ProgressBar(std::FILE* stream, std::string_view label, std::uint64_t total)
    : stream_(stream), label_(label), total_(total), enabled_(::isatty(::fileno(stream)) != 0) {}

void ProgressBar::update(std::uint64_t done) {
  if (!enabled_ || total_ == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < redraw_interval) return;
  last_draw_ = now;
  const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
  const int filled = static_cast<int>(fraction * bar_width);
  fmt::print(stream_, "\r{} [{:=<{}}{: <{}}] {:3.0f}% {}/{}", label_, "", filled, "",
             bar_width - filled, fraction * 100, done, total_);
  std::fflush(stream_);
}

void ProgressBar::finish() {
  if (!enabled_) return;
  fmt::print(stream_, "\r{: <{}}\r", "", label_.size() + bar_width + 40);
  std::fflush(stream_);
}

}  // namespace loket
