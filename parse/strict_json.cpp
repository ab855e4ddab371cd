#include "parse/strict_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "engine/limits.hpp"

namespace loket {
namespace {

namespace json = boost::json;

constexpr std::size_t number_text_shown_max = 32;  // of a number refused, in the message

// A parser handler that keeps nothing but the keys of the objects still open.
struct DuplicateKeyFinder {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::vector<std::set<std::string>> open_objects;
  std::string key;
  std::string duplicate;
  std::string infinite;  // a number beyond a double's range, as written

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    open_objects.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    open_objects.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view part, std::size_t, json::error_code&) {
    key.append(part.data(), part.size());
    return true;
  }
  bool on_key(json::string_view part, std::size_t, json::error_code& error) {
    key.append(part.data(), part.size());
    if (!open_objects.back().insert(key).second) {
      duplicate = key;
      error = json::error::syntax;  // stops the parse; `duplicate` says why
      return false;
    }
    key.clear();
    return true;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return true; }
  // 1e400 would be kept as infinity, and written back as "Infinity", which is not JSON: a
  // journal must hold nothing its own export cannot read back.
  bool on_double(double number, json::string_view text, json::error_code& error) {
    if (std::isfinite(number)) return true;
    infinite.assign(text.data(), std::min<std::size_t>(text.size(), number_text_shown_max));
    error = json::error::syntax;
    return false;
  }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

}  // namespace

Result<boost::json::value> parse_strict_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = limits::json_depth_max;
  json::basic_parser<DuplicateKeyFinder> checker(options);
  json::error_code error;
  checker.write_some(false, text.data(), text.size(), error);
  if (error) {
    const std::string& duplicate = checker.handler().duplicate;
    if (!duplicate.empty()) {
      return Status::invalid_argument(fmt::format("key \"{}\" appears twice", duplicate));
    }
    const std::string& infinite = checker.handler().infinite;
    if (!infinite.empty()) {
      return Status::invalid_argument(
          fmt::format("the number {} is beyond a double's range", infinite));
    }
    return Status::invalid_argument(fmt::format("not valid JSON: {}", error.message()));
  }
  json::value value = json::parse(text, error, json::storage_ptr(), options);
  if (error) return Status::invalid_argument(fmt::format("not valid JSON: {}", error.message()));
  return value;
}

}  // namespace loket
