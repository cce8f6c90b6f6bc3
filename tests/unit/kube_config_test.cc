// Reading a kubeconfig as kubectl does (one context, its cluster and user, relative files next
// to the kubeconfig), refusing what mdbop cannot honour by name and never echoing a credential;
// and the paths, queries and errors of the API client.
#include "kube/kube_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "fake_api_server.h"
#include "kube/kube_client.h"
#include "util/base64.h"

namespace mdbop {
namespace {

namespace fs = std::filesystem;

std::string kubeconfig(const std::string& cluster, const std::string& user) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: work\n"
         "contexts:\n- name: work\n  context: {cluster: c1, user: u1, namespace: shop}\n"
         "- name: other\n  context: {cluster: c1, user: u1}\n"
         "clusters:\n- name: c1\n  cluster:\n" +
         cluster + "users:\n- name: u1\n  user:\n" + user;
}

const std::string kServer = "    server: https://10.0.0.1:6443\n";

TEST(KubeConfigTest, ReadsTheCurrentContextWithInlineCredentials) {
  const std::string text =
      kubeconfig(kServer + "    certificate-authority-data: " + base64_encode("CA PEM") + "\n",
                 "    client-certificate-data: " + base64_encode("CERT PEM") +
                     "\n    client-key-data: " + base64_encode("KEY PEM") + "\n");
  auto config = parse_kubeconfig(text, "/nowhere", "");
  ASSERT_TRUE(config) << config.error().what();
  EXPECT_EQ(config->server, "https://10.0.0.1:6443");
  EXPECT_EQ(config->ca_pem, "CA PEM");
  EXPECT_EQ(config->client.certificate_pem, "CERT PEM");
  EXPECT_EQ(config->client.key_pem, "KEY PEM");
  EXPECT_EQ(config->namespace_, "shop");
  // Another context, without a namespace.
  auto other = parse_kubeconfig(text, "/nowhere", "other");
  ASSERT_TRUE(other) << other.error().what();
  EXPECT_EQ(other->namespace_, "default");
}

TEST(KubeConfigTest, ReadsFilesNamedRelativeToTheKubeconfigAndRotatingTokens) {
  const fs::path directory =
      fs::temp_directory_path() / ("kube-config-test-" + std::to_string(::getpid()));
  fs::create_directories(directory);
  std::ofstream(directory / "ca.crt") << "CA FROM FILE";
  std::ofstream(directory / "token") << "first\n";
  auto config = parse_kubeconfig(
      kubeconfig(kServer + "    certificate-authority: ca.crt\n", "    tokenFile: token\n"),
      directory, "");
  ASSERT_TRUE(config) << config.error().what();
  EXPECT_EQ(config->ca_pem, "CA FROM FILE");
  EXPECT_EQ(current_token(*config).value_or(""), "first");
  std::ofstream(directory / "token") << "second";
  EXPECT_EQ(current_token(*config).value_or(""), "second");
  fs::remove_all(directory);
}

TEST(KubeConfigTest, RefusesWhatMdbopCannotHonourNamingTheField) {
  struct Case {
    std::string cluster, user, field;
  };
  const std::vector<Case> cases = {
      {"    server: http://10.0.0.1:8080\n", "    token: abc\n", "cluster.server"},
      {kServer + "    insecure-skip-tls-verify: true\n", "    token: abc\n",
       "cluster.insecure-skip-tls-verify"},
      {kServer, "    exec: {command: aws}\n", "user.exec"},
      {kServer, "    auth-provider: {name: gcp}\n", "user.auth-provider"},
      {kServer, "    username: admin\n", "user"},
      {kServer, "    client-certificate-data: " + base64_encode("CERT") + "\n", "user.client-key"},
      {kServer + "    certificate-authority-data: '%%%'\n", "    token: abc\n",
       "cluster.certificate-authority-data"},
  };
  for (const Case& c : cases) {
    auto config = parse_kubeconfig(kubeconfig(c.cluster, c.user), "/nowhere", "");
    ASSERT_FALSE(config) << c.field;
    EXPECT_EQ(config.error().field, c.field) << config.error().what();
  }
  auto missing = parse_kubeconfig(kubeconfig(kServer, "    token: abc\n"), "/nowhere", "prod");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no context named \"prod\""), std::string::npos);
  EXPECT_FALSE(parse_kubeconfig("[not, a, map]", "/nowhere", ""));
  EXPECT_FALSE(parse_kubeconfig("{{{", "/nowhere", ""));
}

TEST(KubeConfigTest, NeverEchoesACredential) {
  auto config = parse_kubeconfig(
      kubeconfig(kServer, "    token: s3cr3t-token\n    client-key-data: s3cr3t-key\n"), "/nowhere",
      "");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().what().find("s3cr3t"), std::string::npos) << config.error().what();
}

TEST(KubeClientTest, PathsAndQueriesEncodeWhatTheyAreGiven) {
  const ApiResource mariadbs{"k8s.mariadb.com/v1alpha1", "mariadbs"};
  EXPECT_EQ(api_path(mariadbs, "shop", "db", "status"),
            "/apis/k8s.mariadb.com/v1alpha1/namespaces/shop/mariadbs/db/status");
  EXPECT_EQ(api_path(mariadbs, ""), "/apis/k8s.mariadb.com/v1alpha1/mariadbs");
  EXPECT_EQ(api_path({"v1", "secrets"}, "a b", "x/../y?z"),
            "/api/v1/namespaces/a%20b/secrets/x%2F..%2Fy%3Fz");
  EXPECT_EQ(api_query({{"labelSelector", "app=db,tier in (a)"}, {"limit", "5"}}),
            "?labelSelector=app%3Ddb%2Ctier%20in%20%28a%29&limit=5");
  EXPECT_EQ(api_query({}), "");
}

TEST(KubeClientTest, ErrorsKeepTheApiServersMeaningAndField) {
  const json invalid = {{"kind", "Status"},
                        {"message",
                         "MariaDB.k8s.mariadb.com \"x\" is invalid: spec.replicas: "
                         "Invalid value"},
                        {"details", {{"causes", {{{"field", "spec.replicas"}}}}}}};
  Error error = api_error(422, invalid, "");
  EXPECT_EQ(error.code, ErrorCode::kInvalid);
  EXPECT_EQ(error.field, "spec.replicas");
  EXPECT_EQ(api_error(404, json(), "").code, ErrorCode::kNotFound);
  EXPECT_EQ(api_error(409, json(), "").code, ErrorCode::kConflict);
  EXPECT_EQ(api_error(410, json(), "").code, ErrorCode::kConflict);
  EXPECT_EQ(api_error(503, json(), "").code, ErrorCode::kUnavailable);
  Error unreachable = api_error(0, json(), "Couldn't connect to server");
  EXPECT_EQ(unreachable.code, ErrorCode::kUnavailable);
  EXPECT_NE(unreachable.message.find("Couldn't connect"), std::string::npos);
  EXPECT_NE(api_error(403, json{{"message", "forbidden"}}, "").message.find("refused mdbop (403)"),
            std::string::npos);
}

TEST(KubeClientTest, DeleteCarriesItsOptions) {
  auto server = std::make_shared<FakeApiServer>([](const HttpRequest&) {
    return FakeApiServer::Answer{200, R"({"kind":"Status"})"};
  });
  KubeConfig config;
  config.server = FakeApiServer::kServer;
  KubeClient client(config, server);
  const std::string path = api_path({"v1", "pods"}, "shop", "db-0");
  ASSERT_TRUE(client.remove(path, {{"gracePeriodSeconds", 0}, {"preconditions", {{"uid", "u"}}}}));
  ASSERT_TRUE(client.remove(path));
  EXPECT_EQ(server->requests(),
            (std::vector<std::string>{"DELETE /api/v1/namespaces/shop/pods/db-0 "
                                      R"({"gracePeriodSeconds":0,"preconditions":{"uid":"u"}})",
                                      "DELETE /api/v1/namespaces/shop/pods/db-0"}));
}

}  // namespace
}  // namespace mdbop
