// libFuzzer entry point: bytes go through what `mdbop apply` does with a file (decode every
// YAML document, validate and default the batch), then through the typed views controllers
// read accepted objects with. Any crash, sanitizer report, leak or runaway allocation is a bug;
// a refusal is the expected outcome for most inputs. Built and run by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/backup_spec.h"
#include "api/manifest.h"
#include "api/mariadb_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mdbop;
  auto documents =
      decode_yaml_documents(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!documents) return 0;
  auto accepted = validate_batch(*documents);
  if (!accepted) return 0;
  for (const json& object : *accepted) {
    fields_unsupported_locally(object);
    const std::string kind = object["kind"];
    if (kind == "MariaDB") mariadb_spec_from(object);
    if (kind == "Backup" || kind == "PhysicalBackup") backup_spec_from(object);
    if (kind == "Restore") restore_spec_from(object);
  }
  return 0;
}
