// A certificate authority of the installation kept in a directory of its own (0700): ca.crt and
// ca.key, made on first use. The nodes' CA ($MDBOP_HOME/ca) admits nodes to each other; the
// agents' ($MDBOP_HOME/agent-ca) admits the operator to the nodes' agents.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.h"
#include "util/x509.h"

namespace mdbop {

// The CA in `dir`, made (named `common_name`, its certificate written with `certificate_mode`,
// its key 0600) when there is none. REQUIRES: the caller holds a lock that serialises makers.
Result<PemCertificate> ensure_certificate_authority(const std::filesystem::path& dir,
                                                    const std::string& common_name,
                                                    int certificate_mode);

}  // namespace mdbop
