#include "runtime/local/certificate_authority.h"

#include "util/files.h"

namespace mdbop {

namespace fs = std::filesystem;

Result<PemCertificate> ensure_certificate_authority(const fs::path& dir,
                                                    const std::string& common_name,
                                                    int certificate_mode) {
  std::error_code ec;
  if (!fs::exists(dir / "ca.key")) {
    auto ca = make_certificate_authority(common_name, std::chrono::days(3650));
    if (!ca) return tl::unexpected(ca.error());
    fs::create_directories(dir, ec);
    fs::permissions(dir, fs::perms::owner_all, ec);
    // Certificate before key: a key on disk means both are there.
    if (auto w = write_file_atomic(dir / "ca.crt", ca->certificate, certificate_mode); !w) {
      return tl::unexpected(w.error());
    }
    if (auto w = write_file_atomic(dir / "ca.key", ca->private_key, 0600); !w) {
      return tl::unexpected(w.error());
    }
  }
  auto certificate = read_file(dir / "ca.crt");
  auto key = read_file(dir / "ca.key");
  if (!certificate || !key) return fail("cannot read the certificate authority in " + dir.string());
  return PemCertificate{*certificate, *key};
}

}  // namespace mdbop
