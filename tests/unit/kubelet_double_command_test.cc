// The kubelet double's command lines and environments: Kubernetes' $(VAR) expansion, the
// --exec rules, and paths under a mountPath rewritten to the volume's directory.
#include <gtest/gtest.h>

#include "kubelet_double/container_command.h"

namespace mdbop::kubelet {
namespace {

using json = nlohmann::json;

TEST(KubeletDoubleCommandTest, ExpandsVariablesAsKubernetesDoes) {
  const std::map<std::string, std::string> vars = {{"POD_IP", "127.0.1.5"}, {"EMPTY", ""}};
  EXPECT_EQ(expand_variables("$(POD_IP):5555", vars), "127.0.1.5:5555");
  EXPECT_EQ(expand_variables("a$(EMPTY)b", vars), "ab");
  EXPECT_EQ(expand_variables("$(MISSING)", vars), "$(MISSING)");
  EXPECT_EQ(expand_variables("$$(POD_IP)", vars), "$(POD_IP)");
  EXPECT_EQ(expand_variables("cost $5 $", vars), "cost $5 $");
  EXPECT_EQ(expand_variables("$(POD_IP", vars), "$(POD_IP");
}

TEST(KubeletDoubleCommandTest, ExecRulesDropWhatRunsTheProgram) {
  auto rule = parse_exec_rule("/mdbop/bin/mdbop=/build/mdbop");
  ASSERT_TRUE(rule);
  bool mapped = false;
  EXPECT_EQ(apply_exec_rules({"/mdbop/lib/ld-linux-x86-64.so.2", "--library-path", "/mdbop/lib",
                              "/mdbop/bin/mdbop", "agent", "--home", "/var/lib/mdbop"},
                             {*rule}, &mapped),
            (std::vector<std::string>{"/build/mdbop", "agent", "--home", "/var/lib/mdbop"}));
  EXPECT_TRUE(mapped);
  EXPECT_EQ(apply_exec_rules({"/bin/sh", "-c", "true"}, {*rule}, &mapped),
            (std::vector<std::string>{"/bin/sh", "-c", "true"}));
  EXPECT_FALSE(mapped);
  EXPECT_FALSE(parse_exec_rule("no-equals"));
  EXPECT_FALSE(parse_exec_rule("=/x"));
  EXPECT_FALSE(parse_exec_rule("/x="));
}

TEST(KubeletDoubleCommandTest, RewritesTheLongestMountPathAtAPathBoundary) {
  const std::vector<MountMapping> mounts = {
      {"/var/lib", "/d/lib"}, {"/var/lib/mdbop", "/d/storage"}, {"/etc/tls/", "/d/tls"}};
  EXPECT_EQ(rewrite_mount_paths("/var/lib/mdbop/data", mounts), "/d/storage/data");
  EXPECT_EQ(rewrite_mount_paths("/var/lib/mdbop", mounts), "/d/storage");
  EXPECT_EQ(rewrite_mount_paths("/var/lib/other", mounts), "/d/lib/other");
  EXPECT_EQ(rewrite_mount_paths("/var/library", mounts), "/var/library");
  EXPECT_EQ(rewrite_mount_paths("/etc/tls/ca.crt", mounts), "/d/tls/ca.crt");
  EXPECT_EQ(rewrite_mount_paths("--home=/var/lib/mdbop", mounts), "--home=/var/lib/mdbop");
}

TEST(KubeletDoubleCommandTest, EnvironmentTakesValuesAndTheDownwardApiInOrder) {
  const json container = json::parse(R"j({"name":"c","env":[
    {"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
    {"name":"NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},
    {"name":"URL","value":"http://$(POD_IP):80/$(LATER)"},
    {"name":"LATER","value":"x"}]
})j");
  PodFacts pod;
  pod.name = "web-0";
  pod.pod_ip = "127.0.1.9";
  auto env = container_environment(container, pod);
  ASSERT_TRUE(env) << env.error().what();
  EXPECT_EQ(*env, (std::vector<std::pair<std::string, std::string>>{
                      {"POD_IP", "127.0.1.9"},
                      {"NAME", "web-0"},
                      {"URL", "http://127.0.1.9:80/$(LATER)"},
                      {"LATER", "x"}}));
  auto secret = container_environment(
      json::parse(
          R"j({"env":[{"name":"P","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]})j"),
      pod);
  ASSERT_FALSE(secret);
  EXPECT_NE(secret.error().what().find("env P"), std::string::npos);
  EXPECT_FALSE(container_environment(
      json::parse(
          R"j({"env":[{"name":"P","valueFrom":{"fieldRef":{"fieldPath":"metadata.labels"}}}]})j"),
      pod));
}

TEST(KubeletDoubleCommandTest, LaunchSpecOfMdbopsAgentContainer) {
  const json container = json::parse(R"j({"name":"mariadb",
    "command":["/mdbop/lib/ld-linux-x86-64.so.2","--library-path","/mdbop/lib",
               "/mdbop/bin/mdbop","agent","--home","/var/lib/mdbop",
               "--listen","$(POD_IP):5555","--tls-dir","/etc/mdbop/tls"],
    "env":[{"name":"POD_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},
           {"name":"PATH","value":"/mdbop/bin:/usr/bin"}],
    "workingDir":"/var/lib/mdbop/work",
    "volumeMounts":[{"name":"storage","mountPath":"/var/lib/mdbop"},
                    {"name":"mdbop","mountPath":"/mdbop"},
                    {"name":"tls","mountPath":"/etc/mdbop/tls","subPath":"certs"}]})j");
  auto mounts = container_mounts(container,
                                 {{"storage", "/pv/0"}, {"mdbop", "/d/bundle"}, {"tls", "/d/tls"}});
  ASSERT_TRUE(mounts) << mounts.error().what();
  PodFacts pod;
  pod.pod_ip = "127.0.1.2";
  auto spec = launch_spec(container, pod, {{"/mdbop/bin/mdbop", "/build/mdbop"}}, *mounts);
  ASSERT_TRUE(spec) << spec.error().what();
  EXPECT_EQ(spec->argv,
            (std::vector<std::string>{"/build/mdbop", "agent", "--home", "/pv/0", "--listen",
                                      "127.0.1.2:5555", "--tls-dir", "/d/tls/certs"}));
  EXPECT_EQ(spec->env.at("PATH"), "/d/bundle/bin:/usr/bin");
  EXPECT_EQ(spec->working_dir, "/pv/0/work");
  EXPECT_FALSE(container_mounts(container, {{"storage", "/pv/0"}}));
  EXPECT_FALSE(launch_spec(json{{"name", "empty"}}, pod, {}, {}));
}

TEST(KubeletDoubleCommandTest, ArgsAloneAreTheCommandLine) {
  auto spec =
      launch_spec(json::parse(R"j({"name":"c","args":["/bin/echo","$$HOME"]})j"), {}, {}, {});
  ASSERT_TRUE(spec);
  EXPECT_EQ(spec->argv, (std::vector<std::string>{"/bin/echo", "$HOME"}));
}

}  // namespace
}  // namespace mdbop::kubelet
