#include "app/keys_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "proof/signed_note.hpp"

namespace loket {
namespace {

// Creates `path` for its owner alone and writes `text`; never replaces a file, so that a key
// already in use cannot be lost by a repeated command.
Status write_new_private_file(const std::string& path, const std::string& text) {
  const int descriptor = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (descriptor < 0) {
    return Status::io_error(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  }
  const ssize_t written = ::write(descriptor, text.data(), text.size());
  const bool synced = ::fsync(descriptor) == 0;
  const bool closed = ::close(descriptor) == 0;
  if (written != static_cast<ssize_t>(text.size()) || !synced || !closed) {
    return Status::io_error(fmt::format("{}: cannot write: {}", path, std::strerror(errno)));
  }
  return Status::ok();
}

}  // namespace

int run_keys(const KeysOptions& options, std::FILE* out, std::FILE* err) {
  if (!is_valid_key_name(options.name)) {
    fmt::print(err,
               "loket keys: --name {:?}: must be 1 to {} visible ASCII characters other than "
               "'+', such as example.org/scheme\n",
               options.name.substr(0, note_limits::key_name_bytes_max + 1),
               note_limits::key_name_bytes_max);
    return 2;
  }
  const NoteSignerKey key = generate_signer_key(options.name);
  if (const Status written =
          write_new_private_file(options.out_path, format_signer_key(key) + "\n");
      !written.is_ok()) {
    fmt::print(err, "loket keys: {}\n", written.message());
    return 2;
  }
  fmt::print(err,
             "loket keys: signing key written to {} (keep it secret: loket serve "
             "--checkpoint-key-file {}); the verifier key, to publish:\n",
             options.out_path, options.out_path);
  fmt::print(out, "{}\n", format_verifier_key(key.verifier));
  return 0;
}

}  // namespace loket
