// `loket serve --config FILE`: the file's settings (parse/serve_config_toml.hpp, where its
// format is) laid over the command's options. A flag given on the command line wins over the
// file: main.cpp applies the file first and parses the flags again.
#pragma once

#include <string>
#include <string_view>

#include "app/serve_command.hpp"
#include "base/status.hpp"

namespace loket {

// Sets what the file gives and leaves the rest. When anything in the file is wrong, returns
// invalid_argument with "FILE:LINE: key: what is wrong", and options are left as they were.
Status apply_serve_config(std::string_view toml_text, const std::string& file_path,
                          ServeOptions& options);

}  // namespace loket
