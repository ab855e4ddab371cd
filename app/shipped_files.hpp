// The files loket ships beside its executable (the schemes and the development tokens) are
// named by their paths in the checkout, such as "schemes/rehearsal.toml", and those are the
// defaults of the flags that take them. Run from another folder, such a path is looked up
// beside the executable: installed as <prefix>/bin/loket, in <prefix>/share/loket/; built as
// build/<preset>/loket, in the checkout two folders up.
#pragma once

#include <string>
#include <string_view>

namespace loket {

// `path` itself when it exists from the current folder, when it is absolute, or when nothing
// shipped matches it (the caller then reports it missing under the name it was given).
std::string shipped_file(std::string_view path);

}  // namespace loket
