// `loket loadtest --threshold`: every form parses to the limit it says, every malformed one
// is refused with a sentence, at the edges of its numbers and its length; and a verdict
// compares exactly (a limit equal to the measure is met by <= and not by <).
#include <catch2/catch.hpp>
#include <string>

#include "loadgen/thresholds.hpp"

namespace loket {
namespace {

Threshold parsed(std::string_view text) {
  Result<Threshold> threshold = parse_threshold(text);
  INFO(text);
  REQUIRE(threshold.ok());
  return std::move(threshold).value();
}

std::string refusal(std::string_view text) {
  const Result<Threshold> threshold = parse_threshold(text);
  return threshold.ok() ? std::string("accepted") : threshold.status().message();
}

}  // namespace

TEST_CASE("thresholds: each metric with its unit") {
  CHECK(parsed("p99<200ms").limit == 200'000);
  CHECK(parsed("p99<200ms").metric == ThresholdMetric::p99);
  CHECK(parsed("p99.9<=1s").metric == ThresholdMetric::p99_9);
  CHECK(parsed("p99.9<=1s").comparison == Comparison::less_or_equal);
  CHECK(parsed("p50<250us").limit == 250);
  CHECK(parsed("p90<1.5ms").limit == 1500);
  CHECK(parsed("p95<0us").limit == 0);
  CHECK(parsed("max<2s").metric == ThresholdMetric::max);
  CHECK(parsed("mean<3ms").metric == ThresholdMetric::mean);
  CHECK(parsed("errors<1%").limit == Approx(0.01));
  CHECK(parsed("errors<=100%").limit == 1);
  CHECK(parsed("rate>5000").limit == 5000);
  CHECK(parsed("rate>=5000/s").comparison == Comparison::greater_or_equal);
  CHECK(parsed("rate>1000000000000").limit == 1e12);  // the largest limit
}

TEST_CASE("thresholds: malformed ones are refused with the reason") {
  CHECK(refusal("p99<200").find("the unit must be us, ms or s") != std::string::npos);
  CHECK(refusal("p99<200min").find("the unit must be") != std::string::npos);
  CHECK(refusal("errors<1").find("a percentage") != std::string::npos);
  CHECK(refusal("errors<100.001%").find("at most 100%") != std::string::npos);
  CHECK(refusal("rate>5000ms").find("answers per second") != std::string::npos);
  CHECK(refusal("p42<1ms").find("starts with p50") != std::string::npos);
  CHECK(refusal("").find("starts with p50") != std::string::npos);
  CHECK(refusal("p99").find("needs <, <=, > or >=") != std::string::npos);
  CHECK(refusal("p99=1ms").find("needs <, <=, > or >=") != std::string::npos);
  CHECK(refusal("p99<ms").find("needs a number") != std::string::npos);
  CHECK(refusal("p99<-1ms").find("needs a number") != std::string::npos);
  CHECK(refusal("p99<+1ms").find("needs a number") != std::string::npos);
  CHECK(refusal("p99<1e3ms").find("the unit must be") != std::string::npos);  // no exponents
  CHECK(refusal("rate>1000000000001").find("needs a number") != std::string::npos);
  CHECK(refusal("rate>" + std::string(400, '9')).find("at most 64 characters") !=
        std::string::npos);
  CHECK(refusal("p99 < 1ms").find("needs <, <=, > or >=") != std::string::npos);
  // At the length limit and one over it.
  const std::string at_limit = "rate>" + std::string(threshold_text_bytes_max - 8, '0') + "1/s";
  REQUIRE(at_limit.size() == threshold_text_bytes_max);
  CHECK(refusal(at_limit) == "accepted");
  CHECK(refusal(at_limit + "x").find("at most 64 characters") != std::string::npos);
}

TEST_CASE("thresholds: verdicts at the limit") {
  LatencyHistogramUs latency;
  for (std::uint64_t us = 1; us <= 100; ++us) latency.record(us * 1000);  // 1 ms to 100 ms
  const RunFigures figures{&latency, 200, 2, 5000};
  CHECK(judge(parsed("max<=100ms"), figures).met);
  CHECK_FALSE(judge(parsed("max<100ms"), figures).met);
  CHECK(judge(parsed("max<100ms"), figures).measured == "100.00ms");
  CHECK(judge(parsed("mean<=50.5ms"), figures).met);
  CHECK_FALSE(judge(parsed("mean<50.5ms"), figures).met);
  CHECK(judge(parsed("errors<=1%"), figures).met);
  CHECK_FALSE(judge(parsed("errors<1%"), figures).met);
  CHECK(judge(parsed("errors<1%"), figures).measured == "1.000%");
  CHECK(judge(parsed("rate>=5000"), figures).met);
  CHECK_FALSE(judge(parsed("rate>5000"), figures).met);
  CHECK(judge(parsed("p99<1s"), figures).met);
  CHECK_FALSE(judge(parsed("p99<1ms"), figures).met);
  // Nothing sent is no evidence of health.
  const LatencyHistogramUs empty;
  CHECK_FALSE(judge(parsed("errors<100%"), RunFigures{&empty, 0, 0, 0}).met);
}

}  // namespace loket
