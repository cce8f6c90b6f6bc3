// The JSON forms of the node agent's words (agent/node_agent.h) as they cross the network
// between the operator and a node's agent. Decoding never throws: a field missing or of the
// wrong type is kInvalid, naming it, so that no peer can crash the other.
#pragma once

#include <nlohmann/json.hpp>

#include "agent/node_agent.h"

namespace mdbop {

void to_json(nlohmann::json& out, const NodeId& id);
void from_json(const nlohmann::json& in, NodeId& id);
void to_json(nlohmann::json& out, const NodeAddress& address);
void from_json(const nlohmann::json& in, NodeAddress& address);
void to_json(nlohmann::json& out, const NodeProcess& process);
void from_json(const nlohmann::json& in, NodeProcess& process);
void to_json(nlohmann::json& out, const WsrepStatus& status);
void from_json(const nlohmann::json& in, WsrepStatus& status);
void to_json(nlohmann::json& out, const NodeSnapshot& snapshot);
void from_json(const nlohmann::json& in, NodeSnapshot& snapshot);
void to_json(nlohmann::json& out, const GraState& state);
void from_json(const nlohmann::json& in, GraState& state);
void to_json(nlohmann::json& out, const GaleraPosition& position);
void from_json(const nlohmann::json& in, GaleraPosition& position);
// A cluster configuration travels as the MariaDB object its spec was read from
// (ClusterConfig::mariadb); the receiver reads the spec from it again.
void to_json(nlohmann::json& out, const ClusterConfig& config);
void from_json(const nlohmann::json& in, ClusterConfig& config);
void to_json(nlohmann::json& out, const BackupStreamRequest& request);
void from_json(const nlohmann::json& in, BackupStreamRequest& request);
void to_json(nlohmann::json& out, const BackupSourceFacts& facts);
void from_json(const nlohmann::json& in, BackupSourceFacts& facts);
// Its names must pass received_name_is_safe: they name directories of the receiving agent.
void to_json(nlohmann::json& out, const ReceivedBackup& received);
void from_json(const nlohmann::json& in, ReceivedBackup& received);
void to_json(nlohmann::json& out, const BinlogFollowRequest& request);
void from_json(const nlohmann::json& in, BinlogFollowRequest& request);
void to_json(nlohmann::json& out, const SqlRows& rows);
void from_json(const nlohmann::json& in, SqlRows& rows);

// Letters, digits, '-', '.' and '_', not beginning with '.': a name that stays one directory.
bool received_name_is_safe(std::string_view name);

std::string start_mode_name(StartMode mode);
std::string node_access_name(NodeAccess access);
Result<StartMode> start_mode_named(const std::string& name);
Result<NodeAccess> node_access_named(const std::string& name);

// An Error as {"code": "unavailable", "message": ..., "field": ...}, and back (an unknown code
// reads as kUnknown).
nlohmann::json error_to_json(const Error& error);
Error error_from_json(const nlohmann::json& in);

// `in` as a T, or kInvalid naming what was wrong.
template <class T>
Result<T> decode_wire(const nlohmann::json& in) {
  try {
    return in.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kInvalid,
                std::string("the agent protocol's message is malformed: ") + e.what());
  }
}

// The text `body` parsed as JSON, or kInvalid.
Result<nlohmann::json> parse_wire(std::string_view body);

}  // namespace mdbop
