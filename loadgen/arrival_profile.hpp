// When each request of a rehearsal is due, in seconds from the start:
//   flood        everything at once; the connections send as fast as answers come back.
//   opening-day  a steep rush at opening that decays over the day: arrivals at a rate
//                proportional to exp(-t / 2 h) over 24 hours, the day compressed by a time
//                scale (1440: the day in one minute).
//   FILE         a CSV of "second,rate" rows (requests per second from that second on, until
//                the next row); a header row is allowed.
// Due times are what latency is measured from: a request the load generator could not send
// on time (all connections busy) counts its wait, so a slow server cannot hide its slowness
// by slowing the generator down (coordinated omission).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.hpp"

namespace loket {

class ArrivalProfile {
 public:
  static ArrivalProfile flood();
  static ArrivalProfile opening_day(std::uint64_t requests, double time_scale);
  // Rows as (second, rate); an invalid argument names file, line and field.
  static Result<ArrivalProfile> from_csv(std::string_view text, std::string_view file_name);

  bool is_flood() const { return kind_ == Kind::flood; }
  // Seconds from the start when request `index` (0-based) is due; nothing when the profile
  // sends no more than `index` requests (a CSV that ends).
  std::optional<double> due_seconds(std::uint64_t index) const;

 private:
  enum class Kind { flood, opening_day, table };
  Kind kind_ = Kind::flood;
  // opening_day
  double requests_ = 0;
  double decay_per_second_ = 0;  // in compressed (wall) seconds
  double day_fraction_ = 0;      // 1 - exp(-day / decay): the share of an endless day in one day
  // table: at row i, rate_[i] requests per second from start_[i]; before_[i] requests
  // are due before start_[i].
  std::vector<double> start_;
  std::vector<double> rate_;
  std::vector<double> before_;
};

}  // namespace loket
