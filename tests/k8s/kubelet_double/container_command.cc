#include "kubelet_double/container_command.h"

namespace mdbop::kubelet {

using json = nlohmann::json;

Result<ExecRule> parse_exec_rule(std::string_view text) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals + 1 == text.size()) {
    return fail(ErrorCode::kInvalid, "--exec takes FROM=TO, not \"" + std::string(text) + "\"");
  }
  return ExecRule{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
}

std::string expand_variables(std::string_view text,
                             const std::map<std::string, std::string>& variables) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    const size_t close = text[i + 1] == '(' ? text.find(')', i + 2) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += '$';
      continue;
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    auto value = variables.find(name);
    out += value != variables.end() ? value->second : "$(" + name + ")";
    i = close;
  }
  return out;
}

std::vector<std::string> apply_exec_rules(const std::vector<std::string>& argv,
                                          const std::vector<ExecRule>& rules, bool* mapped) {
  *mapped = false;
  for (const ExecRule& rule : rules) {
    for (size_t i = 0; i < argv.size(); ++i) {
      if (argv[i] != rule.from) continue;
      std::vector<std::string> result = {rule.to};
      result.insert(result.end(), argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
      *mapped = true;
      return result;
    }
  }
  return argv;
}

std::string rewrite_mount_paths(const std::string& text, const std::vector<MountMapping>& mounts) {
  const MountMapping* best = nullptr;
  for (const MountMapping& mount : mounts) {
    std::string_view path = mount.mount_path;
    while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
    const bool under = text.starts_with(path) &&
                       (text.size() == path.size() || text[path.size()] == '/' || path == "/");
    if (under && (best == nullptr || mount.mount_path.size() > best->mount_path.size())) {
      best = &mount;
    }
  }
  if (best == nullptr) return text;
  std::string_view path = best->mount_path;
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return best->directory + text.substr(path == "/" ? 0 : path.size());
}

Result<std::vector<MountMapping>> container_mounts(
    const json& container, const std::map<std::string, std::string>& volumes) {
  std::vector<MountMapping> mounts;
  for (const json& mount : container.value("volumeMounts", json::array())) {
    const std::string name = mount.value("name", "");
    auto volume = volumes.find(name);
    if (volume == volumes.end()) {
      return fail(ErrorCode::kInvalid, "volumeMount " + name + " names no mapped volume");
    }
    std::string directory = volume->second;
    if (const std::string sub = mount.value("subPath", ""); !sub.empty()) directory += "/" + sub;
    mounts.push_back({mount.value("mountPath", ""), directory});
  }
  return mounts;
}

namespace {

Result<std::string> field_value(const std::string& variable, const std::string& field,
                                const PodFacts& pod) {
  const std::map<std::string, std::string> fields = {
      {"metadata.name", pod.name},
      {"metadata.namespace", pod.namespace_},
      {"metadata.uid", pod.uid},
      {"spec.nodeName", pod.node_name},
      {"status.podIP", pod.pod_ip},
      {"status.hostIP", pod.host_ip},
      {"spec.serviceAccountName", pod.service_account}};
  auto value = fields.find(field);
  if (value == fields.end()) {
    return fail(ErrorCode::kInvalid,
                "env " + variable + ": the kubelet double does not give fieldRef " + field);
  }
  return value->second;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> container_environment(
    const json& container, const PodFacts& pod) {
  if (container.contains("envFrom")) {
    return fail(ErrorCode::kInvalid, "envFrom: the kubelet double does not honour it");
  }
  std::vector<std::pair<std::string, std::string>> env;
  std::map<std::string, std::string> defined;
  for (const json& entry : container.value("env", json::array())) {
    const std::string name = entry.value("name", "");
    std::string value;
    if (auto from = entry.find("valueFrom"); from != entry.end()) {
      auto field = from->find("fieldRef");
      if (field == from->end()) {
        return fail(ErrorCode::kInvalid,
                    "env " + name + ": the kubelet double honours only value and fieldRef");
      }
      auto read = field_value(name, field->value("fieldPath", ""), pod);
      if (!read) return tl::unexpected(read.error());
      value = *read;
    } else {
      value = expand_variables(entry.value("value", ""), defined);
    }
    defined[name] = value;
    env.emplace_back(name, value);
  }
  return env;
}

std::vector<std::string> resolve_command(const std::vector<std::string>& argv,
                                         const std::map<std::string, std::string>& env,
                                         const std::vector<ExecRule>& rules,
                                         const std::vector<MountMapping>& mounts) {
  std::vector<std::string> expanded;
  for (const std::string& element : argv) expanded.push_back(expand_variables(element, env));
  bool mapped = false;
  std::vector<std::string> result = apply_exec_rules(expanded, rules, &mapped);
  // The program a rule names is this machine's: never under a mountPath.
  for (size_t i = mapped ? 1 : 0; i < result.size(); ++i) {
    result[i] = rewrite_mount_paths(result[i], mounts);
  }
  return result;
}

Result<LaunchSpec> launch_spec(const json& container, const PodFacts& pod,
                               const std::vector<ExecRule>& rules,
                               const std::vector<MountMapping>& mounts) {
  auto env = container_environment(container, pod);
  if (!env) return tl::unexpected(env.error());
  LaunchSpec spec;
  for (auto& [name, value] : *env) spec.env[name] = rewrite_mount_paths(value, mounts);
  // Expansion sees the values as the spec gives them; the rewriting is the double's own.
  std::map<std::string, std::string> variables(env->begin(), env->end());
  std::vector<std::string> argv;
  for (const char* part : {"command", "args"}) {
    for (const json& element : container.value(part, json::array())) {
      argv.push_back(element.get<std::string>());
    }
  }
  if (argv.empty()) {
    return fail(ErrorCode::kInvalid, "container " + container.value("name", "") +
                                         " has no command or args (images are ignored)");
  }
  spec.argv = resolve_command(argv, variables, rules, mounts);
  spec.working_dir = rewrite_mount_paths(container.value("workingDir", ""), mounts);
  return spec;
}

}  // namespace mdbop::kubelet
