#include "galera/grastate.h"

#include <gtest/gtest.h>

namespace mdbop {

// Names a state in test listings (found by argument-dependent lookup, so outside the
// anonymous namespace).
void PrintTo(const GraState& state, std::ostream* out) {
  *out << state.uuid << ":" << state.seqno << (state.safe_to_bootstrap ? "-safe" : "");
}

namespace {

constexpr const char* kUuid = "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f";

TEST(RenderGrastate, MatchesGaleraLayoutExactly) {
  GraState state;
  state.uuid = kUuid;
  state.seqno = -1;
  EXPECT_EQ(render_grastate(state),
            "# GALERA saved state\n"
            "version: 2.1\n"
            "uuid:    6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f\n"
            "seqno:   -1\n"
            "safe_to_bootstrap: 0\n");

  state.seqno = 1234;
  state.safe_to_bootstrap = true;
  EXPECT_EQ(render_grastate(state),
            "# GALERA saved state\n"
            "version: 2.1\n"
            "uuid:    6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f\n"
            "seqno:   1234\n"
            "safe_to_bootstrap: 1\n");
}

TEST(ParseGrastate, ReadsGaleraFile) {
  auto state = parse_grastate(
      "# GALERA saved state\n"
      "version: 2.1\n"
      "uuid:    6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f\n"
      "seqno:   1234\n"
      "safe_to_bootstrap: 1\n");
  ASSERT_TRUE(state) << state.error().what();
  EXPECT_EQ(state->version, "2.1");
  EXPECT_EQ(state->uuid, kUuid);
  EXPECT_EQ(state->seqno, 1234);
  EXPECT_TRUE(state->safe_to_bootstrap);
}

TEST(ParseGrastate, ToleratesGaleraSpacePaddingCrlfCommentsAndUnknownKeys) {
  // Galera overwrites a longer old file in place and pads the rest with spaces.
  auto state = parse_grastate(
      "# GALERA saved state\r\n"
      "version: 2.1\r\n"
      "uuid:    6B1E4F3C-1111-11EF-9A6B-0B2F3C4D5E6F\r\n"
      "# a comment: with a colon\n"
      "seqno:   -1\n"
      "future_key: whatever\n"
      "safe_to_bootstrap: 0\n"
      "          ");
  ASSERT_TRUE(state) << state.error().what();
  EXPECT_EQ(state->uuid, kUuid) << "UUIDs are normalised to Galera's lowercase";
  EXPECT_EQ(state->seqno, -1);
  EXPECT_FALSE(state->safe_to_bootstrap);
}

TEST(ParseGrastate, OldVersionWithoutSafeToBootstrap) {
  auto state = parse_grastate("# GALERA saved state\nversion: 2.0\nuuid: " + std::string(kUuid) +
                              "\nseqno: 7");
  ASSERT_TRUE(state) << state.error().what();
  EXPECT_EQ(state->version, "2.0");
  EXPECT_EQ(state->seqno, 7);
  EXPECT_FALSE(state->safe_to_bootstrap);
}

struct BadGrastate {
  const char* name;
  std::string text;
  const char* error_part;
};

// Names the case in test listings instead of dumping its bytes.
void PrintTo(const BadGrastate& bad, std::ostream* out) { *out << bad.name; }

class ParseGrastateRejects : public testing::TestWithParam<BadGrastate> {};

TEST_P(ParseGrastateRejects, WithClearError) {
  auto state = parse_grastate(GetParam().text);
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().message.find(GetParam().error_part), std::string::npos)
      << state.error().message;
}

const std::string kUuidLine = std::string("uuid:    ") + kUuid + "\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseGrastateRejects,
    testing::Values(
        BadGrastate{"Empty", "", "no uuid line"},
        BadGrastate{"OnlyHeader", "# GALERA saved state\nversion: 2.1\n", "no uuid"},
        BadGrastate{"NoSeqno", kUuidLine + "safe_to_bootstrap: 0\n", "no seqno line"},
        BadGrastate{"ShortUuid", "uuid: 6b1e4f3c-1111\nseqno: 1\n", "invalid UUID"},
        BadGrastate{"NonHexUuid", "uuid: 6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6g\nseqno: 1",
                    "invalid UUID"},
        BadGrastate{"MisplacedDash", "uuid: 6b1e4f3c1-111-11ef-9a6b-0b2f3c4d5e6f\nseqno: 1",
                    "invalid UUID"},
        BadGrastate{"TextSeqno", kUuidLine + "seqno: abc\n", "invalid seqno"},
        BadGrastate{"TrailingJunkSeqno", kUuidLine + "seqno: 12x\n", "invalid seqno"},
        BadGrastate{"EmptySeqno", kUuidLine + "seqno:\n", "invalid seqno"},
        BadGrastate{"SeqnoBelowMinusOne", kUuidLine + "seqno: -2\n", "invalid seqno"},
        BadGrastate{"SeqnoOverflow", kUuidLine + "seqno: 99999999999999999999\n", "invalid seqno"},
        BadGrastate{"SafeToBootstrapTwo", kUuidLine + "seqno: 1\nsafe_to_bootstrap: 2\n",
                    "invalid safe_to_bootstrap"}),
    [](const testing::TestParamInfo<BadGrastate>& info) { return info.param.name; });

class GrastateRoundTrip : public testing::TestWithParam<GraState> {};

TEST_P(GrastateRoundTrip, ParseOfRenderIsIdentity) {
  auto parsed = parse_grastate(render_grastate(GetParam()));
  ASSERT_TRUE(parsed) << parsed.error().what();
  EXPECT_EQ(parsed->version, GetParam().version);
  EXPECT_EQ(parsed->uuid, GetParam().uuid);
  EXPECT_EQ(parsed->seqno, GetParam().seqno);
  EXPECT_EQ(parsed->safe_to_bootstrap, GetParam().safe_to_bootstrap);
}

INSTANTIATE_TEST_SUITE_P(States, GrastateRoundTrip,
                         testing::Values(GraState{}, GraState{"2.1", kUuid, -1, false},
                                         GraState{"2.1", kUuid, 0, true},
                                         GraState{"2.1", kUuid, INT64_MAX, false}));

TEST(ParseRecoveredPosition, ReadsTheWsrepRecoverLine) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:00 0 [Note] InnoDB: Starting crash recovery from checkpoint LSN=47785\n"
      "2026-11-21 23:40:01 0 [Note] WSREP: Recovered position: "
      "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f:1234\n"
      "2026-11-21 23:40:01 0 [Note] /usr/sbin/mariadbd: Shutdown complete\n");
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->uuid, kUuid);
  EXPECT_EQ(position->seqno, 1234);
}

TEST(ParseRecoveredPosition, LastLineWins) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:01 0 [Note] WSREP: Recovered position: "
      "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f:1000\n"
      "2026-11-21 23:41:01 0 [Note] WSREP: Recovered position: "
      "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f:1234\r\n");
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->seqno, 1234);
}

TEST(ParseRecoveredPosition, MinusOneAndZeroUuidArePositions) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:01 0 [Note] WSREP: Recovered position: "
      "00000000-0000-0000-0000-000000000000:-1");
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->uuid, kZeroUuid);
  EXPECT_EQ(position->seqno, -1);
}

TEST(ParseRecoveredPosition, ReadsTheGtidModeSuffix) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:01 0 [Note] WSREP: Recovered position: "
      "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f:1234,0-1-1200\n");
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->uuid, kUuid);
  EXPECT_EQ(position->seqno, 1234);
  EXPECT_EQ(position->gtid, "0-1-1200");
}

TEST(ParseRecoveredPosition, NoSuffixNoGtid) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:01 0 [Note] WSREP: Recovered position: "
      "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f:1234\n");
  ASSERT_TRUE(position) << position.error().what();
  EXPECT_EQ(position->gtid, "");
}

TEST(ParseRecoveredPosition, FailsWithoutAPositionLine) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:01 0 [ERROR] InnoDB: Unable to lock ./ibdata1 error: 11\n");
  ASSERT_FALSE(position);
  EXPECT_NE(position.error().message.find("Recovered position"), std::string::npos);
}

TEST(ParseRecoveredPosition, MalformedLastLineIsAnErrorNotAFallback) {
  auto position = parse_recovered_position(
      "2026-11-21 23:40:01 0 [Note] WSREP: Recovered position: "
      "6b1e4f3c-1111-11ef-9a6b-0b2f3c4d5e6f:1000\n"
      "2026-11-21 23:41:01 0 [Note] WSREP: Recovered position: 6b1e4f3c-1111-11ef\n");
  EXPECT_FALSE(position);
}

}  // namespace
}  // namespace mdbop
