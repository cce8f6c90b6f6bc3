// The operator's flags: --ports and --metrics-bind-address, what they accept and how a bad
// value is refused (naming the flag).
#include <gtest/gtest.h>

#include "cli/commands.h"

namespace mdbop {
namespace {

const PortRange kDefaultPorts;  // 33000-34999

TEST(MetricsBindAddress, DefaultsToLoopbackOnTheLastPortOfTheRange) {
  EXPECT_EQ(*parse_metrics_bind_address("", kDefaultPorts), "127.0.0.1:34999");
  EXPECT_EQ(*parse_metrics_bind_address("", PortRange{20000, 20199}), "127.0.0.1:20199");
}

TEST(MetricsBindAddress, ZeroSwitchesTheEndpointOff) {
  auto off = parse_metrics_bind_address("0", kDefaultPorts);
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->has_value());
}

TEST(MetricsBindAddress, ANumericIPv4AddressAndPortIsTakenAsGiven) {
  for (const char* given : {"127.0.0.1:9104", "0.0.0.0:1", "10.1.2.3:65535"}) {
    auto address = parse_metrics_bind_address(given, kDefaultPorts);
    ASSERT_TRUE(address) << given;
    EXPECT_EQ(**address, given);
  }
}

TEST(MetricsBindAddress, AnythingElseIsRefusedNamingTheFlag) {
  for (const char* bad : {"127.0.0.1", "9104", "localhost:9104", "127.0.0.1:0", "127.0.0.1:65536",
                          "127.0.0.1:99999999", "127.0.0.1:91a", "127.0.0.1:", ":9104",
                          "[::1]:9104", "127.0.0.1:9104 ", "1.2.3:9104", "00"}) {
    auto refused = parse_metrics_bind_address(bad, kDefaultPorts);
    ASSERT_FALSE(refused) << bad;
    EXPECT_EQ(refused.error().message.rfind("--metrics-bind-address must be HOST:PORT", 0), 0u)
        << refused.error().message;
  }
}

TEST(HostPort, SplitsAtTheLastColonWithAWholePortNumber) {
  auto address = split_host_port("127.0.0.1:9104");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 9104);
  auto last_colon = split_host_port("a:b:65535");
  ASSERT_TRUE(last_colon);
  EXPECT_EQ(last_colon->host, "a:b");
  EXPECT_EQ(last_colon->port, 65535);
  for (const char* bad : {"", "9104", ":9104", "host:", "host:0", "host:65536", "host:123456",
                          "host:12ab", "host:+80", "host:-1", "host: 80"}) {
    EXPECT_FALSE(split_host_port(bad)) << bad;
  }
}

TEST(PortRangeFlag, FromToWithinLimits) {
  auto range = parse_port_range("30000-30100");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->first, 30000);
  EXPECT_EQ(range->last, 30100);
  EXPECT_FALSE(parse_port_range("30000-30010"));  // fewer than 16 ports
  EXPECT_FALSE(parse_port_range("80-200"));
}

}  // namespace
}  // namespace mdbop
