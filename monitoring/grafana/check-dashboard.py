"""Checks mdbop-dashboard.json: it parses; schemaVersion is 36 or later; the data source is the
variable ${datasource} (type prometheus) and $namespace and $mariadb come from label_values;
every panel has a unique id and every panel but a row queries with a non-empty expr; every
query of a MariaDB metric (mariadb_*, mysql_*) selects namespace="$namespace"; and, given
promtool, every expr parses as PromQL (each becomes a recording rule of a rules file that
`promtool check rules` reads, with the dashboard's variables filled in).
Usage: python3 check-dashboard.py DASHBOARD.json [PROMTOOL]"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# What Grafana puts in place of the variables the queries use.
SUBSTITUTES = {"$namespace": "default", "$mariadb": "mariadb-galera",
               "$__rate_interval": "1m", "$__interval": "1m"}


def problems_of(dashboard):
    problems = []
    if dashboard.get("schemaVersion", 0) < 36:
        problems.append("schemaVersion must be 36 or later")
    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    source = variables.get("datasource", {})
    if source.get("type") != "datasource" or source.get("query") != "prometheus":
        problems.append("variable datasource must be of type datasource, query prometheus")
    for name in ("namespace", "mariadb"):
        variable = variables.get(name, {})
        if variable.get("type") != "query" or "label_values(" not in str(variable.get("query")):
            problems.append(f"variable {name} must be a label_values query")
        elif variable.get("datasource") != DATASOURCE:
            problems.append(f"variable {name} must query the data source ${{datasource}}")

    seen_ids = set()
    for panel in panels_of(dashboard):
        title = panel.get("title", "?")
        panel_id = panel.get("id")
        if not isinstance(panel_id, int) or panel_id in seen_ids:
            problems.append(f"panel {title!r}: id {panel_id!r} is missing or not unique")
        seen_ids.add(panel_id)
        if panel.get("type") == "row":
            continue
        if panel.get("datasource") != DATASOURCE:
            problems.append(f"panel {title!r}: datasource must be ${{datasource}}")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"panel {title!r}: no queries")
        for target in targets:
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"panel {title!r} query {target.get('refId')}: empty expr")
            elif re.search(r"\b(mariadb|mysql)_\w+", expr) and 'namespace="$namespace"' not in expr:
                problems.append(f"panel {title!r}: {expr} does not select namespace=\"$namespace\"")
    return problems


def panels_of(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def rules_file_of(dashboard):
    rules = []
    for panel in panels_of(dashboard):
        for target in panel.get("targets", []):
            expr = target["expr"]
            for variable, value in SUBSTITUTES.items():
                expr = expr.replace(variable, value)
            rules.append({"record": f"dashboard_panel_{panel['id']}_{target['refId']}",
                          "expr": expr})
    # JSON is YAML: promtool reads it as a rules file.
    return json.dumps({"groups": [{"name": "dashboard", "rules": rules}]})


def main():
    path = pathlib.Path(sys.argv[1])
    try:
        dashboard = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        sys.exit(f"{path}: {error}")
    problems = problems_of(dashboard)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    if problems:
        sys.exit(1)
    if len(sys.argv) > 2:
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as rules:
            rules.write(rules_file_of(dashboard))
            rules.flush()
            checked = subprocess.run([sys.argv[2], "check", "rules", rules.name],
                                     capture_output=True, text=True)
            if checked.returncode != 0:
                sys.exit(f"{path}: a query does not parse:\n{checked.stdout}{checked.stderr}")
    print(f"{path}: OK")


if __name__ == "__main__":
    main()
