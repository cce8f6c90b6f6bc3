// The server options mdbop's runtime writes after the user's myCnf (render_node_config), and
// which of them a myCnf tries to set: such a setting is replaced, so it is reported rather than
// dropped in silence. Pure code.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/mariadb_spec.h"

namespace mdbop {

// An option of myCnf that mdbop's own value replaces.
struct OwnedOptionSet {
  std::string option;  // as mdbop writes it: "log_bin"
  std::string ours;    // the value mdbop uses: "mariadb-bin", "1000 + the pod's index"
  std::string why;     // why mdbop holds it
};

// The owned options `my_cnf` sets to something other than mdbop's value, each once, in the
// order of the first line that sets it. Names compare as mariadbd compares them ('-' and '_'
// alike, any case, after a loose- prefix; skip-/disable-/enable- set a flag OFF or ON), in the
// groups mariadbd reads ([mysqld], [mariadbd], [server], [mariadb], [galera], [client-server],
// and their -<version> forms); and sockopt in [sst], which mdbop writes too. The user's value is
// compared, never returned: a myCnf may hold secrets.
std::vector<OwnedOptionSet> owned_options_set_in(std::string_view my_cnf, const MariaDBSpec& spec);

}  // namespace mdbop
