# The layers of migrate and the arrows between them, written once: CMakeLists.txt builds
# one static library per layer from src/<layer>/ and links it to the layers named here;
# tests/layering/check_layering.cmake fails when a file of a layer includes a header of a
# layer it may not use (neither itself nor one reachable through these arrows).
#
# A layer may use the layers it names and, through them, everything below. Order matters:
# every layer comes after the layers it uses. docs/ARCHITECTURE.md draws the same graph.
set(MIGRATE_LAYERS
  util         # knows nothing of migrate: text, durations, files, child processes, SHA-256
  model        # values: Revision, AppliedRevision, run reports
  step         # the C++ step API (step::Session) that compiled revisions use
  config       # the manifest, the environment, database URLs
  source       # revision folders: file names, loading, the statement lexer, directives
  db           # the drivers: PostgreSQL and SQLite, history rows, the lock row
  plan         # pure decisions: what up/down run, drift, dirty
  audit        # the append-and-fsync audit log
  backup       # pg_dump / SQLite backups, restore, the backup folder
  run          # one service's run under its lock: the policy above the drivers
  status       # where a service stands, as values and the status document
  adopt        # other tools' folders and histories (drizzle-kit, goose, Flyway) read and reconciled
  transfer     # moving rows between databases: mapping, conversion, chunked COPY with checkpoints, validation
  orchestrate  # the verbs: lock, backup and audit around run/, results as values
  serve        # `migrate serve`: the read-only status page and JSON API over HTTP
  cli          # argument parsing and rendering; parse -> call a verb -> render
)

set(MIGRATE_LAYER_USES_util)
set(MIGRATE_LAYER_USES_model util)
set(MIGRATE_LAYER_USES_step model)
set(MIGRATE_LAYER_USES_config model)
set(MIGRATE_LAYER_USES_source model step)
# db uses source for the statement lexer that splits no-transaction revisions.
set(MIGRATE_LAYER_USES_db config source step)
set(MIGRATE_LAYER_USES_plan model)
set(MIGRATE_LAYER_USES_audit model)
set(MIGRATE_LAYER_USES_backup config db)
set(MIGRATE_LAYER_USES_run db plan)
set(MIGRATE_LAYER_USES_status plan)
set(MIGRATE_LAYER_USES_adopt db plan source)
set(MIGRATE_LAYER_USES_transfer db)
set(MIGRATE_LAYER_USES_orchestrate adopt audit backup run source status transfer)
set(MIGRATE_LAYER_USES_serve orchestrate)
set(MIGRATE_LAYER_USES_cli serve)

# Sets ${out} to every layer `layer` may include: itself and all it reaches.
function(migrate_layer_closure layer out)
  set(result ${layer})
  set(queue ${MIGRATE_LAYER_USES_${layer}})
  while(queue)
    list(POP_FRONT queue next)
    if(NOT next IN_LIST result)
      list(APPEND result ${next})
      list(APPEND queue ${MIGRATE_LAYER_USES_${next}})
    endif()
  endwhile()
  set(${out} ${result} PARENT_SCOPE)
endfunction()
