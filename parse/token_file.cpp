#include "parse/token_file.hpp"

namespace loket {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::portal:
      return "portal";
    case Role::operator_role:
      return "operator";
    case Role::auditor:
      return "auditor";
  }
  return "";
}

RoleRate default_rate(Role role) {
  switch (role) {
    case Role::portal:
      return {200'000, 200'000};
    case Role::operator_role:
    case Role::auditor:
      return {20, 40};
  }
  return {1, 1};
}

}  // namespace loket
