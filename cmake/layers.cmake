# The layers of src/ and what each may include: DESIGN.md, "Dependencies between folders".
# Every folder of src/ is a layer, built as its own static library mdbop_<layer> whose only
# include path is build/layers/<layer>/, a directory of symlinks to the folders (or single
# headers) listed here, so a forbidden #include fails to compile ("No such file or
# directory"). Sub-folders belong to their folder (runtime/local is runtime). A header of
# layer X included by layer Y resolves its own includes through Y's path: a public header may
# only include what its includers may include too.
#
# Every layer may include itself and util/ (except the withheld headers below). A folder
# listed here that does not exist yet (agent, metrics) simply has nothing to link to.

# Headers of util/ that "util" does not give: a layer must name them (DESIGN.md: the agent
# does the effects; controller/ never runs a program).
mdbop_withheld_header(util/subprocess.h)

#           layer       may include
mdbop_layer(util)
mdbop_layer(api)
mdbop_layer(schedule)
mdbop_layer(storage)
mdbop_layer(sql)
mdbop_layer(metrics)
mdbop_layer(store       api)
# galera/ decides, purely: never runtime, sql or agent. Its config rendering reads the spec.
mdbop_layer(galera      api)
mdbop_layer(backup      storage sql util/subprocess.h)
mdbop_layer(runtime     util/subprocess.h)
mdbop_layer(agent       runtime galera sql backup storage api util/subprocess.h)
# controller/ decides and asks the agent: never a concrete runtime, a subprocess or a path.
mdbop_layer(controller  api store galera agent sql backup storage schedule metrics)
mdbop_layer(cli         api store agent controller)

# The wiring of concrete runtimes and agents: src/main.cc and these files may include
# anything (they are compiled with src/ itself as include path).
set(MDBOP_WIRING_SOURCES cli/cmd_operator.cc)

# KNOWN EXCEPTIONS, to be emptied by the refactor of issue 9: "<layer> may, for now, include
# <header>" (and what that header includes). One line per forbidden header; delete the line
# once no file of the layer includes it. Comments: where (file:line) it is included.
#                     layer       header
mdbop_layer_exception(api         schedule/cron_expression.h)     # api/validate_backup.cc:15
mdbop_layer_exception(backup      api/backup_spec.h)              # backup/retention.h:8
mdbop_layer_exception(galera      runtime/runtime.h)              # galera/node_config.h:8
mdbop_layer_exception(runtime     galera/grastate.h)              # runtime/runtime.h:12
mdbop_layer_exception(runtime     sql/connection.h)               # runtime/runtime.h:14
mdbop_layer_exception(runtime     galera/node_config.h)           # runtime/local/local_runtime.cc:12
# controller/backup/backup_reconciler.h:18, controller/mariadb/node_view.h:11,
# controller/mariadb/reconciler.h:22, controller/restore/restore_reconciler.h:22,
# galera/node_config.h:8
mdbop_layer_exception(controller  runtime/runtime.h)
mdbop_layer_exception(controller  runtime/local/local_runtime.h)  # controller/operator.h:8
# controller/mariadb/cluster_recovery.cc:12, controller/mariadb/node_eviction.cc:10,
# controller/mariadb/reconciler.cc:12, controller/operator.cc:21,
# controller/restore/restore_reconciler.cc:15
mdbop_layer_exception(controller  util/subprocess.h)
# cli/commands.h:14, controller/operator.h:8
mdbop_layer_exception(cli         runtime/local/local_runtime.h)
mdbop_layer_exception(cli         runtime/runtime.h)              # controller/backup/backup_reconciler.h:18
mdbop_layer_exception(cli         backup/artifact_catalog.h)      # controller/backup/backup_reconciler.h:16
