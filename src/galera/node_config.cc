#include "galera/node_config.h"

#include <map>
#include <sstream>

#include <fmt/format.h>

#include "util/sha256.h"

namespace mdbop {

namespace {

constexpr int kNodeGtidDomainBase = 1000;
// Bumped when what mdbop renders for every node changes in a way running nodes must take up
// (2: binary logs and GTIDs on every node): a new value rolls the nodes once.
constexpr int kRenderedConfigVersion = 2;

// Defaults a Galera node needs, then the user's options; addresses stay ours.
std::string provider_options(const NodeConfigInput& input) {
  std::map<std::string, std::string> options{
      {"gcache.size", "256M"},
      // Keeps the gcache across restarts so a recovered donor can still serve IST.
      {"gcache.recover", "yes"},
      // A view change (a member evicted or joining) blocks every commit until it is done. It
      // waits a whole period for a missed round of join messages (1 s by default), and for an
      // idle member's acknowledgement, which only its keepalive carries (1 s by default).
      {"evs.join_retrans_period", "PT0.2S"},
      {"evs.keepalive_period", "PT0.2S"},
  };
  for (const auto& [key, value] : input.spec->provider_options) options[key] = value;
  const NodeLayout& self = input.self;
  // Replication and IST only with peers holding a certificate of the installation's CA, in
  // both directions; the listener then speaks TLS only.
  options["socket.ssl_cert"] = self.tls.certificate;
  options["socket.ssl_key"] = self.tls.key;
  options["socket.ssl_ca"] = self.tls.authority;
  options["gmcast.listen_addr"] = fmt::format("ssl://{}:{}", self.address, self.ports.galera);
  options["ist.recv_addr"] = fmt::format("{}:{}", self.address, self.ports.ist);
  std::string joined;
  for (const auto& [key, value] : options) {
    if (!joined.empty()) joined += ";";
    joined += key + "=" + value;
  }
  return joined;
}

}  // namespace

NodeConfig render_node_config(const NodeConfigInput& input) {
  const MariaDBSpec& spec = *input.spec;
  const NodeLayout& self = input.self;
  std::ostringstream options;

  // Tunable defaults first, so that the user's myCnf (read later) overrides them.
  options << "# Rendered by mdbop from MariaDB " << self.id.namespace_ << "/" << self.id.mariadb
          << ". Edit the MariaDB object, not this file.\n"
          << "[mariadbd]\n"
          << "binlog_format=ROW\n"
          << "default_storage_engine=InnoDB\n"
          << "innodb_autoinc_lock_mode=2\n"
          << "innodb_buffer_pool_size=128M\n"
          << "skip_name_resolve=ON\n"
          << "performance_schema=OFF\n"
          // Binary logs are kept a week unless myCnf says otherwise (the disk is not endless).
          << "binlog_expire_logs_seconds=604800\n"
          // One server id for the cluster: Galera transactions carry the bootstrap node's.
          << "server_id=1\n";
  // The GTID domain of the cluster's replicated transactions; a cluster that replicates to
  // or from another one chooses its own in myCnf.
  if (spec.galera_enabled) options << "wsrep_gtid_domain_id=0\n";
  options << "\n";
  if (!input.my_cnf.empty()) {
    options << "# myCnf\n" << input.my_cnf;
    if (input.my_cnf.back() != '\n') options << "\n";
    options << "\n";
  }

  // What the runtime owns comes last and wins.
  options << "# Owned by mdbop's runtime\n"
          << "[mariadbd]\n"
          << "datadir=" << self.data_dir << "\n"
          << "socket=" << self.socket << "\n"
          << "port=" << self.ports.sql << "\n"
          << "bind_address=" << self.address << "\n"
          << "pid_file=" << self.pid_file << "\n"
          << "log_error=" << self.error_log
          << "\n"
          // SELECT ... INTO OUTFILE and LOAD DATA stay inside the node's own directory.
          << "secure_file_priv=" << self.files_dir
          << "\n"
          // Binary logs on every node, under the same name, with every replicated transaction
          // in them (point-in-time recovery follows them, from any node). Transactions a node
          // writes outside Galera get a domain of their own, never the cluster's.
          << "log_bin=" << kBinaryLogName << "\n"
          << "log_slave_updates=ON\n"
          << "gtid_domain_id=" << kNodeGtidDomainBase + self.id.index << "\n";
  if (spec.galera_enabled) {
    options << "wsrep_on=ON\n"
            // The same GTID for the same transaction on every node.
            << "wsrep_gtid_mode=ON\n"
            << "wsrep_provider=" << kGaleraLibrary << "\n"
            << "wsrep_cluster_name=" << input.cluster_name << "\n"
            << "wsrep_node_name=" << self.id.pod() << "\n"
            << "wsrep_node_address=" << self.address << ":" << self.ports.galera << "\n"
            << "wsrep_sst_method=" << spec.sst_method << "\n"
            << "wsrep_sst_receive_address=" << self.address << ":" << self.ports.sst << "\n"
            << "wsrep_slave_threads=" << spec.replica_threads << "\n"
            << "wsrep_provider_options=\"" << provider_options(input)
            << "\"\n"
            // SST over TLS (socat or stunnel), the peer's certificate verified against the CA.
            << "\n[sst]\n"
            << "encrypt=3\n"
            << "ssl-mode=VERIFY_CA\n"
            << "tca=" << self.tls.authority << "\n"
            << "tcert=" << self.tls.certificate << "\n"
            << "tkey=" << self.tls.key
            << "\n"
            // A joiner's transfer is received on the node's address, not on every address of
            // the host (pods sharing a network namespace, a host with a public address).
            << "sockopt=bind=" << self.address << "\n\n"
            << "[mariadbd]\n";
  }
  std::string options_text = options.str();
  std::string secret_part;
  if (spec.galera_enabled) {
    std::string escaped;
    for (char c : input.sst_password) {
      if (c == '"' || c == '\\') escaped += '\\';
      escaped += c;
    }
    secret_part = "wsrep_sst_auth=\"root:" + escaped + "\"\n";
  }

  std::ostringstream members;
  if (spec.galera_enabled) {
    members << "wsrep_cluster_address=gcomm://";
    for (size_t i = 0; i < input.members.size(); ++i) {
      if (i > 0) members << ",";
      members << input.members[i].address << ":" << input.members[i].ports.galera;
    }
    members << "\n";
  }

  NodeConfig config;
  config.content = options_text + secret_part + members.str();
  return config;
}

std::string rollout_hash(const MariaDBSpec& spec, const std::string& my_cnf) {
  // Only what the spec decides: ports and paths belong to the runtime and may move (a port
  // taken by another program) without a restart of the other nodes. Not the SST password:
  // the hash is shown in status, and a hash of a password can be guessed offline.
  std::ostringstream spec_part;
  spec_part << kRenderedConfigVersion << "\n"
            << spec.galera_enabled << "\n"
            << spec.sst_method << "\n"
            << spec.replica_threads << "\n"
            << my_cnf << "\n";
  for (const auto& [key, value] : spec.provider_options) spec_part << key << "=" << value << ";";
  return sha256_hex(spec_part.str()).substr(0, 16);
}

std::string startup_failure_reason(const std::string& error_log_tail) {
  std::istringstream lines(error_log_tail);
  std::string line;
  std::string first_error;
  std::string telling_error;
  while (std::getline(lines, line)) {
    // A new start attempt begins; errors of earlier attempts no longer explain anything.
    if (line.find("Starting MariaDB") != std::string::npos) {
      first_error.clear();
      telling_error.clear();
    }
    auto marker = line.find("[ERROR] ");
    if (marker == std::string::npos) continue;
    std::string message = line.substr(marker + 8);
    if (message.rfind("Aborting", 0) == 0) continue;
    // The first error of an attempt is the cause; later ones are its consequences.
    if (first_error.empty()) first_error = message;
    if (message.find("unknown variable") != std::string::npos ||
        message.find("unknown option") != std::string::npos ||
        message.find("Could not open") != std::string::npos) {
      telling_error = message;
    }
  }
  return telling_error.empty() ? first_error : telling_error;
}

}  // namespace mdbop
