# The layers of src/ and what each may include: DESIGN.md, "Dependencies between folders".
# Every folder of src/ is a layer, built as its own static library mdbop_<layer> whose only
# include path is build/layers/<layer>/, a directory of symlinks to the folders (or single
# headers) listed here, so a forbidden #include fails to compile ("No such file or
# directory"). Sub-folders belong to their folder (runtime/local is runtime). A header of
# layer X included by layer Y resolves its own includes through Y's path: a public header may
# only include what its includers may include too.
#
# Every layer may include itself and util/ (except the withheld headers below).

# Headers of util/ that "util" does not give: a layer must name them (DESIGN.md: the agent
# does the effects; controller/ never runs a program).
mdbop_withheld_header(util/subprocess.h)

#           layer       may include
mdbop_layer(util)
# api/ validates cron expressions with schedule/ (pure too).
mdbop_layer(api         schedule)
mdbop_layer(schedule)
mdbop_layer(storage)
mdbop_layer(sql)
# kube/ is the Kubernetes API client: configuration, requests, watch streams.
mdbop_layer(kube)
# store/ also opens a Backup's storage with the credentials its Secrets hold (storage_access.h),
# for the operator and the CLI alike.
mdbop_layer(store       api storage kube)
# galera/ decides, purely: never runtime, sql or agent. Its config rendering reads the spec.
mdbop_layer(galera      api)
# backup/'s retention takes the policy as the API states it.
mdbop_layer(backup      api storage sql)
# runtime/ reads and writes galera/'s plain data (grastate.dat, the node's layout) and asks
# it why a server did not start; galera/ stays free of effects.
# runtime/kube makes pods and their objects through the Kubernetes API client.
mdbop_layer(runtime     api galera kube util/subprocess.h)
mdbop_layer(agent       runtime galera sql backup api kube util/subprocess.h)
# metrics/ turns the store's objects into Prometheus families and keeps the file_sd targets.
mdbop_layer(metrics     api store)
# controller/ decides and asks the agent: never a concrete runtime, a subprocess or a path.
# It counts its passes in metrics/' operator stats.
mdbop_layer(controller  api store galera agent sql backup storage schedule metrics)
# cli/ reads the store and asks the node agents (whose interface speaks in galera/'s and sql/'s
# types); the operator command wires the rest (below). `backup verify` and `backup download`
# read artifacts from their storage through backup/'s stages, as a restore does.
mdbop_layer(cli         api store agent galera sql backup storage)

# The wiring of concrete runtimes and agents: src/main.cc and these files may include
# anything (they are compiled with src/ itself as include path). `operator start` spawns the
# operator in the background.
set(MDBOP_WIRING_SOURCES cli/cmd_operator.cc cli/cmd_agent.cc)
