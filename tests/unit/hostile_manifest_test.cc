// Manifests written to break mdbop (issue 8): each is refused with a message naming what is
// wrong, never a crash, an endless expansion or a silently different value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/manifest.h"
#include "api/option_value.h"
#include "manifest_test_util.h"

namespace mdbop {
namespace {

std::string decode_error(const std::string& yaml) {
  auto docs = decode_yaml_documents(yaml);
  EXPECT_FALSE(docs) << "expected the YAML to be refused";
  return docs ? "" : docs.error().what();
}

std::string mariadb(const std::string& spec, const std::string& name = "db") {
  return "apiVersion: k8s.mariadb.com/v1alpha1\nkind: MariaDB\nmetadata:\n  name: " + name +
         "\nspec:\n" + spec;
}

std::string galera3(const std::string& extra) {
  return mariadb("  replicas: 3\n  galera:\n    enabled: true\n" + extra);
}

// --- decoding ---------------------------------------------------------------------------------

TEST(HostileYaml, AThirtyThousandDigitScalarIsRefusedNotACrash) {
  const std::string digits(30000, '1');
  EXPECT_TRUE(HasText(decode_error("data: {k: " + digits + "}\n"), "too large"));
  // Quoted, it is text like any other.
  auto docs = decode_yaml_documents("data: {k: \"" + digits + "\"}\n");
  ASSERT_TRUE(docs) << docs.error().what();
  EXPECT_EQ((*docs)[0]["data"]["k"], digits);
}

TEST(HostileYaml, CoreSchemaNumbersWithoutRegex) {
  const json doc = parse_one(
      "a: 0o17\nb: 0x1F\nc: -5\nd: +5\ne: 1.5\nf: .5\ng: 5.\nh: 1e3\ni: 1e\nj: 0x\nk: -0x1\n"
      "l: 0o8\nm: .\nn: 99999999999999999999\n");
  EXPECT_EQ(doc["a"], 15);
  EXPECT_EQ(doc["b"], 31);
  EXPECT_EQ(doc["c"], -5);
  EXPECT_EQ(doc["d"], 5);
  EXPECT_EQ(doc["e"], 1.5);
  EXPECT_EQ(doc["f"], 0.5);
  EXPECT_EQ(doc["g"], 5.0);
  EXPECT_TRUE(doc["h"].is_number_float());
  for (const char* text : {"i", "j", "k", "l", "m"}) EXPECT_TRUE(doc[text].is_string()) << text;
  EXPECT_TRUE(doc["n"].is_number_float());  // beyond 64 bits; an integer field refuses it
}

TEST(HostileYaml, AnAliasInsideItsOwnAnchorIsRefused) {
  EXPECT_TRUE(HasText(decode_error("data: &x [*x]\n"), "alias refers to a node that contains it"));
  EXPECT_TRUE(HasText(decode_error("a: &x {b: *x}\n"), "contains it"));
}

TEST(HostileYaml, AnchorsDoNotLeakIntoTheNextDocument) {
  // yaml-cpp numbers anchors from 1 in each document: the second &x has the first one's id.
  EXPECT_TRUE(HasText(decode_error("a: &x [1]\n---\nb: &x [*x]\n"), "document 2"));
}

TEST(HostileYaml, AnAliasBombIsRefusedWithinTheBudget) {
  std::string bomb =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char level = 'b'; level <= 'i'; ++level) {
    const char previous = static_cast<char>(level - 1);
    bomb += std::string(1, level) + ": &" + level + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + previous;
    bomb += "]\n";
  }
  EXPECT_TRUE(HasText(decode_error(bomb), "larger than 1.5 MiB with its aliases expanded"));
}

TEST(HostileYaml, ManyDocumentsCannotExpandPastTheTotalBudget) {
  std::string text;
  const std::string document = "a: &a [" + std::string(1000, 'x') + "]\nb: [" + [] {
    std::string aliases;
    for (int i = 0; i < 1000; ++i) aliases += i ? ",*a" : "*a";
    return aliases;
  }() + "]\n";
  for (int i = 0; i < 4; ++i) text += "---\n" + document;
  EXPECT_TRUE(HasText(decode_error(text), "in all with their aliases expanded"));
}

TEST(HostileYaml, NestedAnchorsCannotMultiplyALargeNode) {
  // Each anchor keeps a copy of its node: 100 nested anchors around 1 MiB would hold 100 MiB.
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += "&a" + std::to_string(i) + " [";
  nested += "\"" + std::string(1024 * 1024, 'x') + "\"" + std::string(100, ']');
  EXPECT_TRUE(HasText(decode_error("a: " + nested + "\n"), "in all with their aliases expanded"));
}

TEST(HostileYaml, OversizedInputAndDocumentsAreRefused) {
  EXPECT_TRUE(
      HasText(decode_error("a: \"" + std::string(3 * 1024 * 1024, 'x') + "\"\n"), "at most 3 MiB"));
  EXPECT_TRUE(HasText(decode_error("a: \"" + std::string(1600 * 1024, 'x') + "\"\n"),
                      "larger than 1.5 MiB"));
  auto docs = decode_yaml_documents("a: \"" + std::string(1400 * 1024, 'x') + "\"\n");
  EXPECT_TRUE(docs) << docs.error().what();
}

TEST(HostileYaml, DeepNestingIsRefused) {
  // However yaml-cpp reads these, they end in a refusal, not in a stack overflow.
  for (const char* open : {"[", "{", "{a: ", "- "}) {
    std::string deep;
    for (int i = 0; i < 50000; ++i) deep += open;
    EXPECT_TRUE(HasText(decode_error(deep), "YAML syntax error")) << open;
  }
  EXPECT_TRUE(HasText(decode_error(std::string(300, '[') + std::string(300, ']')),
                      "nested deeper than 200"));
}

TEST(HostileYaml, InvalidUtf8IsRefusedWithItsPosition) {
  const std::string message = decode_error("a: b\nc: d\xff\n");
  EXPECT_TRUE(HasText(message, "line 2, column 5"));
  EXPECT_TRUE(HasText(message, "invalid UTF-8 byte 0xFF"));
  EXPECT_TRUE(HasText(decode_error("a: \xc0\xaf\n"), "invalid UTF-8"));          // overlong '/'
  EXPECT_TRUE(HasText(decode_error("a: \xed\xa0\x80\n"), "invalid UTF-8"));      // surrogate
  EXPECT_TRUE(HasText(decode_error("a: b\x07\n"), "control character U+0007"));  // raw BEL
  EXPECT_EQ(parse_one("a: \"caf\xc3\xa9 \\t\"\n")["a"], "caf\xc3\xa9 \t");
}

TEST(HostileYaml, MergeKeysAreApplied) {
  const json doc = parse_one(
      "base: &base {a: 1, b: 2}\nother: &other {b: 20, c: 30}\n"
      "x: {<<: *base, b: 3}\ny: {b: 3, <<: *base}\nz: {<<: [*base, *other]}\n"
      "w: {\"<<\": 1}\nv: {<<: {inline: true}}\n");
  EXPECT_EQ(doc["x"], json({{"a", 1}, {"b", 3}}));
  EXPECT_EQ(doc["y"], json({{"a", 1}, {"b", 3}}));
  EXPECT_EQ(doc["z"], json({{"a", 1}, {"b", 2}, {"c", 30}}));  // earlier mappings win
  EXPECT_EQ(doc["w"], json({{"<<", 1}}));                      // a quoted key is a key
  EXPECT_EQ(doc["v"], json({{"inline", true}}));
  EXPECT_TRUE(HasText(decode_error("x: {<<: 1}\n"), "merge key"));
  EXPECT_TRUE(HasText(decode_error("x: {<<: {a: 1}, <<: {b: 1}}\n"), "duplicate key"));
}

TEST(HostileYaml, AListStandsForItsItems) {
  auto docs = decode_yaml_documents(
      "apiVersion: v1\nkind: List\nitems:\n- {kind: Secret, a: 1}\n- {kind: ConfigMap}\n"
      "---\nkind: Secret\n");
  ASSERT_TRUE(docs) << docs.error().what();
  ASSERT_EQ(docs->size(), 3u);
  EXPECT_EQ((*docs)[0], json({{"kind", "Secret"}, {"a", 1}}));
  EXPECT_EQ((*docs)[1]["kind"], "ConfigMap");
  EXPECT_TRUE(HasText(decode_error("apiVersion: v1\nkind: List\nitems: 3\n"), "items"));
}

// --- validation -------------------------------------------------------------------------------

TEST(HostileManifest, IntegersOutOfTheirTypeAreRefusedNotTruncated) {
  for (const char* n : {"4294967297", "2147483649", "-2147483649", "99999999999999999999"}) {
    auto found = issues(mariadb(std::string("  replicas: ") + n + "\n"));
    EXPECT_TRUE(HasText(issue_at(found, "spec.replicas"), "is out of range (-2147483648..")) << n;
  }
  auto found = issues(galera3("    primary: {podIndex: 4294967296}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.primary.podIndex"), "out of range"));
  found = issues(galera3("    recovery: {minClusterSize: 4294967297}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.recovery.minClusterSize"), "out of range"));
  found = issues(mariadb("  port: 4294970602\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.port"), "out of range"));
  found = issues(
      "apiVersion: k8s.mariadb.com/v1alpha1\nkind: Backup\nmetadata: {name: b}\n"
      "spec: {mariaDbRef: {name: db}, storage: {volume: {emptyDir: {}}},\n"
      "  retentionPolicy: {keepLast: 4294967297}}\n");
  EXPECT_TRUE(HasText(issue_at(found, "spec.retentionPolicy.keepLast"), "out of range"));
  found = issues(mariadb("  replicas: -1\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replicas"), "at least 1"));
  // Whatever is derived per node (status, metrics series, ports) stays bounded.
  found = issues(mariadb("  replicas: 2147483647\n  galera: {enabled: true}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replicas"), "at most 100"));
  EXPECT_TRUE(valid(mariadb("  replicas: 99\n  galera: {enabled: true}\n")).is_object());
}

TEST(HostileManifest, SeveralNodesNeedGalera) {
  auto found = issues(mariadb("  replicas: 3\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.replicas"), "3 nodes need Galera"));
  EXPECT_TRUE(valid(mariadb("  replicas: 1\n")).is_object());
}

TEST(HostileManifest, NamesTooLongForTheStoreAreRefused) {
  // A DNS subdomain of 253 characters: labels of 63 joined by dots.
  const std::string label(63, 'a');
  const std::string name253 = label + "." + label + "." + label + "." + std::string(61, 'a');
  const std::string name234 = name253.substr(0, 234);
  const std::string name235 = name253.substr(0, 235);
  const auto secret = [](const std::string& name) {
    return "apiVersion: v1\nkind: Secret\nmetadata: {name: " + name + "}\n";
  };
  EXPECT_TRUE(valid(secret(name234)).is_object());
  for (const std::string& name : {name235, name253}) {
    EXPECT_TRUE(HasText(issue_at(issues(secret(name)), "metadata.name"), "at most 234"));
  }
}

TEST(HostileManifest, ClientTlsIsRefusedUntilItExists) {
  auto found = issues(mariadb("  tls: {enabled: true}\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.tls.enabled"), "comes later"));
  EXPECT_TRUE(valid(mariadb("  tls: {enabled: false}\n")).is_object());
}

TEST(HostileManifest, ProviderOptionsCannotBreakOutOfTheOptionFile) {
  auto found = issues(
      galera3("    providerOptions:\n"
              "      gcache.size: \"1G\\\"\\nbind_address=0.0.0.0\\ndatadir=/tmp/elsewhere\\n#\"\n"
              "      gcs.fc_limit: \"64;socket.ssl=no\"\n"
              "      \"evs.x=1;a\": \"1\"\n"
              "      pc.weight: \"1 # comment\"\n"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.providerOptions.gcache.size"), "line break"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.providerOptions.gcs.fc_limit"), "';'"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.providerOptions.evs.x=1;a"), "option name"));
  EXPECT_TRUE(HasText(issue_at(found, "spec.galera.providerOptions.pc.weight"), "'#'"));
  EXPECT_TRUE(
      valid(galera3("    providerOptions: {gcache.size: 1G, gcs.fc_limit: 64}\n")).is_object());
}

TEST(HostileManifest, ARootPasswordThatWouldBreakTheOptionFileIsRefusedUnseen) {
  auto docs =
      decode_yaml_documents(mariadb("  replicas: 3\n  galera: {enabled: true}\n"
                                    "  rootPasswordSecretKeyRef: {name: root, key: password}\n") +
                            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: root}\n"
                            "stringData: {password: \"pw\\nwsrep_on=OFF\"}\n");
  ASSERT_TRUE(docs) << docs.error().what();
  auto batch = validate_batch(*docs);
  ASSERT_FALSE(batch);
  ASSERT_EQ(batch.error().size(), 1u);
  EXPECT_EQ(batch.error()[0].field, "Secret/default/root data.password");
  EXPECT_TRUE(HasText(batch.error()[0].message, "line break"));
  EXPECT_FALSE(HasText(batch.error()[0].message, "wsrep_on"));
}

TEST(HostileManifest, ControlCharactersInMessagesAreEscaped) {
  auto found = issues("apiVersion: v1\nkind: Secret\nmetadata: {name: \"a\\nb\\e[31m\"}\n");
  const std::string message = issue_at(found, "metadata.name");
  EXPECT_TRUE(HasText(message, "a\\nb\\x1B[31m"));
  EXPECT_EQ(message.find('\n'), std::string::npos);
  EXPECT_EQ(message.find('\x1b'), std::string::npos);
  auto bad_key = decode_yaml_documents("\"a\\x07\": 1\n\"a\\x07\": 2\n");
  ASSERT_FALSE(bad_key);
  EXPECT_TRUE(HasText(bad_key.error().what(), "duplicate key \"a\\x07\""));
}

TEST(OptionValue, ChecksWhatTheOptionFileCannotCarry) {
  EXPECT_TRUE(check_provider_option_key("gcache.size"));
  EXPECT_FALSE(check_provider_option_key("Gcache.size"));
  EXPECT_FALSE(check_provider_option_key(""));
  EXPECT_TRUE(check_provider_option_value("PT0.2S"));
  EXPECT_TRUE(check_provider_option_value(""));
  for (const char* bad : {"a\nb", "a\"", "a\\", "a;b", "a#"}) {
    EXPECT_FALSE(check_provider_option_value(bad)) << bad;
  }
  EXPECT_FALSE(check_provider_option_value(std::string("a\0b", 3)));
  EXPECT_TRUE(check_quoted_option_value("p\"a\\ss;#"));
  EXPECT_FALSE(check_quoted_option_value("a\rb"));
  EXPECT_FALSE(check_quoted_option_value(std::string("a\0b", 3)));
}

}  // namespace
}  // namespace mdbop
