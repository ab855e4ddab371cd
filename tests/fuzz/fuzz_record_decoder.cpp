// libFuzzer: journal record bytes. The reader checks the seal first, but the decoder must
// also stand on its own: any bytes give a record or a description of the damage.
#include <cstdint>
#include <span>

#include "storage/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  loket::RecordSeal seal;
  (void)loket::check_record_seal(bytes, seal);
  loket::JournalRecord record;
  (void)loket::decode_record_fields(bytes, record);
  return 0;
}
