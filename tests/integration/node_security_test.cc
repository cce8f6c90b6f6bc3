// What a hostile local user or a hostile SQL root can do to a cluster: join it without the
// installation's certificates, make a node write files as the operating system's root, or
// read the installation's secrets. One cluster serves every check.
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "harness.h"
#include "util/files.h"
#include "util/ports.h"
#include "util/subprocess.h"
#include "util/x509.h"

namespace mdbop::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kPassword = "Security-Secret-42";

// The account a test's stranger runs as: `nobody` when the test runs as root (CI), so that it
// is another user than the nodes' and the installation's; else our own.
struct Account {
  uid_t uid;
  gid_t gid;
};
Account stranger_account() {
  if (geteuid() != 0) return {getuid(), getgid()};
  const passwd* nobody = getpwnam("nobody");
  return {nobody->pw_uid, nobody->pw_gid};
}

std::vector<std::string> as_account(const Account& account, std::vector<std::string> argv) {
  if (geteuid() != 0) return argv;
  std::vector<std::string> command = {"setpriv", "--reuid=" + std::to_string(account.uid),
                                      "--regid=" + std::to_string(account.gid), "--clear-groups",
                                      "--"};
  command.insert(command.end(), argv.begin(), argv.end());
  return command;
}

int free_port_from(int first) {
  for (int port = first;; ++port) {
    if (loopback_port_free(port)) return port;
  }
}

std::string option_in(const fs::path& file, const std::string& name) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

// A mariadbd that mdbop did not start, run by another user, that tries to join the cluster
// through g-0's Galera port with the cluster's name: with no certificate at all, or with a
// certificate of its own CA (and the cluster's CA certificate, which is public).
class Stranger {
 public:
  Stranger(Installation& mdbop, const std::string& name, const json& target, int first_port,
           const std::string& tls_options)
      : dir_(mdbop.home().parent_path() /
             ("mdbop-stranger-" + name + "-" + mdbop.home().filename().string())) {
    const Account account = stranger_account();
    fs::create_directories(dir_ / "data");
    int galera_port = free_port_from(first_port);
    int sql_port = free_port_from(galera_port + 1);
    int ist_port = free_port_from(sql_port + 1);
    int sst_port = free_port_from(ist_port + 1);
    const fs::path node_config =
        fs::path(target["status"]["dataDir"].get<std::string>()).parent_path() / "my.cnf";
    std::ofstream(dir_ / "my.cnf")
        << "[mariadbd]\ndatadir=" << (dir_ / "data").string()
        << "\nsocket=" << (dir_ / "s.sock").string() << "\nport=" << sql_port
        << "\nbind_address=127.0.0.1\nbinlog_format=ROW\ninnodb_autoinc_lock_mode=2\nlog_error="
        << (dir_ / "error.log").string()
        << "\nwsrep_on=ON\nwsrep_provider=/usr/lib/galera/libgalera_smm.so"
        << "\nwsrep_cluster_name=" << option_in(node_config, "wsrep_cluster_name")
        << "\nwsrep_node_name=stranger-" << name << "\nwsrep_cluster_address=gcomm://127.0.0.1:"
        << target["status"]["ports"]["galera"].get<int>()
        << "\nwsrep_node_address=127.0.0.1:" << galera_port
        << "\nwsrep_sst_receive_address=127.0.0.1:" << sst_port
        << "\nwsrep_sst_method=mariabackup\nwsrep_provider_options=\"pc.wait_prim_timeout=PT5S;"
        << "ist.recv_addr=127.0.0.1:" << ist_port << tls_options << "\"\n";
    for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
      chown(entry.path().c_str(), account.uid, account.gid);
    }
    chown(dir_.c_str(), account.uid, account.gid);
    SubprocessOptions install;
    install.argv = as_account(
        account,
        {"mariadb-install-db", "--defaults-file=" + (dir_ / "my.cnf").string(), "--skip-test-db"});
    auto installed = run_process(install);
    EXPECT_TRUE(installed && installed->ok()) << (installed ? installed->describe() : "");
    SubprocessOptions server;
    server.argv =
        as_account(account, {"mariadbd", "--defaults-file=" + (dir_ / "my.cnf").string()});
    server.output_file = (dir_ / "error.log").string();
    auto pid = spawn_detached(server);
    EXPECT_TRUE(pid) << pid.error().what();
    pid_ = pid ? *pid : 0;
    uid_ = account.uid;
  }
  ~Stranger() {
    if (pid_ > 0) kill(pid_, SIGKILL);
    reap_if_exited(pid_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  pid_t pid() const { return pid_; }
  uid_t uid() const { return uid_; }
  bool exited() {
    reap_if_exited(pid_);
    return !process_alive(pid_);
  }
  std::string log() { return read_file(dir_ / "error.log").value_or(""); }
  bool received_data() const { return fs::exists(dir_ / "data" / "app"); }

 private:
  fs::path dir_;
  pid_t pid_ = 0;
  uid_t uid_ = 0;
};

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

uid_t owner_of(const fs::path& path) {
  struct stat st {};
  stat(path.c_str(), &st);
  return st.st_uid;
}

TEST(NodeSecurity, StrangersCannotJoinAndSqlRootIsNotOsRoot) {
  Installation mdbop;
  mdbop.start_with_cluster("g", kPassword);
  SqlConnection first = mdbop.connect("g", 0, kPassword);
  ASSERT_TRUE(first.execute(
      "CREATE DATABASE app; CREATE TABLE app.t (id INT PRIMARY KEY); INSERT INTO app.t "
      "VALUES (1)"));
  const json pods = mdbop.pods("g");
  ASSERT_EQ(pods.size(), 3u);

  // Nodes run as an unprivileged user; as root, never as root.
  const passwd* mysql = getpwnam("mysql");
  ASSERT_NE(mysql, nullptr);
  const uid_t node_uid = geteuid() == 0 ? mysql->pw_uid : geteuid();
  for (const json& pod : pods) {
    const pid_t pid = pod["status"]["pid"].get<pid_t>();
    EXPECT_EQ(process_uid(pid), node_uid) << pod["metadata"]["name"];
    EXPECT_NE(process_uid(pid), 0u) << pod["metadata"]["name"];
    const fs::path data = pod["status"]["dataDir"].get<std::string>();
    EXPECT_EQ(owner_of(data), node_uid);
    EXPECT_EQ(mode_of(data), 0700u);
    // Its options (with the SST password) and its key: readable by the node, changed only by us.
    EXPECT_EQ(owner_of(data.parent_path() / "my.cnf"), geteuid());
    EXPECT_EQ(mode_of(data.parent_path() / "my.cnf"), 0640u);
    EXPECT_EQ(mode_of(data.parent_path() / "tls" / "node.key"), 0640u);
  }
  // The installation's secrets are its user's alone.
  EXPECT_EQ(mode_of(mdbop.home() / "ca") & 077, 0u);
  EXPECT_EQ(mode_of(mdbop.home() / "ca" / "ca.key"), 0600u);
  EXPECT_EQ(mode_of(mdbop.home() / "store") & 077, 0u);
  EXPECT_EQ(mode_of(mdbop.home()) & 066, 0u);

  // SELECT ... INTO OUTFILE writes nowhere but the node's own files directory.
  const fs::path outside = "/tmp/mdbop-outfile-" + mdbop.home().filename().string();
  auto written = first.execute("SELECT 'x' INTO OUTFILE '" + outside.string() + "'");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message.find("secure-file-priv"), std::string::npos)
      << written.error().message;
  EXPECT_FALSE(fs::exists(outside));
  auto priv = first.query("SELECT @@secure_file_priv");
  ASSERT_TRUE(priv) << priv.error().what();
  const fs::path files_dir = *priv->rows.at(0).at(0);
  EXPECT_TRUE(
      first.execute("SELECT 'x' INTO OUTFILE '" + (files_dir / "inside.txt").string() + "'"));
  EXPECT_TRUE(fs::exists(files_dir / "inside.txt"));

  // A statement holding a password can reach mdbop sql on standard input, off the command line.
  EXPECT_EQ(mdbop.must({"sql", "mariadb/g"},
                       "CREATE USER 'app'@'%' IDENTIFIED BY 'Stdin-Secret-7';\n"
                       "SELECT COUNT(*) AS n FROM mysql.user WHERE User = 'app';\n"),
            "n\n1\n");

  // Strangers: one speaking plain Galera, one with a certificate of another CA. Both must be
  // turned away (they give up once no Primary component lets them in) and receive nothing.
  auto foreign_ca = make_certificate_authority("stranger CA", std::chrono::days(1));
  ASSERT_TRUE(foreign_ca);
  auto foreign = issue_certificate(*foreign_ca, "g-9", {"127.0.0.1"}, std::chrono::days(1));
  ASSERT_TRUE(foreign);
  const fs::path foreign_dir = mdbop.home().parent_path() /
                               ("mdbop-stranger-tls-" + mdbop.home().filename().string() + "-ca");
  fs::create_directories(foreign_dir);
  ASSERT_TRUE(write_file_atomic(foreign_dir / "node.crt", foreign->certificate, 0644));
  ASSERT_TRUE(write_file_atomic(foreign_dir / "node.key", foreign->private_key, 0644));
  fs::copy_file(mdbop.home() / "ca" / "ca.crt", foreign_dir / "ca.crt");
  fs::permissions(foreign_dir / "ca.crt", fs::perms::owner_read | fs::perms::others_read);
  const int spare_ports = mdbop.first_port() + 150;
  Stranger plain(mdbop, "plain", pods[0], spare_ports, "");
  Stranger with_tls(mdbop, "tls", pods[0], spare_ports + 20,
                    ";socket.ssl_cert=" + (foreign_dir / "node.crt").string() +
                        ";socket.ssl_key=" + (foreign_dir / "node.key").string() +
                        ";socket.ssl_ca=" + (foreign_dir / "ca.crt").string());
  EXPECT_NE(process_uid(plain.pid()), 0u);
  EXPECT_TRUE(eventually([&] { return plain.exited() && with_tls.exited(); }, 180s))
      << plain.log() << with_tls.log();
  EXPECT_FALSE(plain.received_data());
  EXPECT_FALSE(with_tls.received_data());
  EXPECT_NE(plain.log().find("failed to reach primary view"), std::string::npos) << plain.log();
  EXPECT_NE(with_tls.log().find("failed to reach primary view"), std::string::npos)
      << with_tls.log();
  std::error_code ec;
  fs::remove_all(foreign_dir, ec);

  // The cluster went on as it was: three members, writable, nobody else in the view.
  for (int i = 0; i < 3; ++i) {
    SqlConnection node = mdbop.connect("g", i, kPassword);
    auto size = node.status("wsrep_cluster_size");
    ASSERT_TRUE(size) << size.error().what();
    EXPECT_EQ(size->at("wsrep_cluster_size"), "3");
  }
  EXPECT_TRUE(first.execute("INSERT INTO app.t VALUES (2)"));
}

}  // namespace
}  // namespace mdbop::testing
