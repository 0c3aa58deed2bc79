#!/bin/sh
# One role and one database per Strata application, each role allowed into its own database
# only. Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d), or by hand against any server:
#   PGHOST=db.internal POSTGRES_USER=postgres GATEWAY_DB_PASSWORD=… … sh 10-strata-databases.sh
# Passwords come from <APP>_DB_PASSWORD (deploy/.env under compose). Names are
# ${STRATA_DB_PREFIX:-strata_}<app>: strata_gateway, strata_goals, …
set -eu

prefix="${STRATA_DB_PREFIX:-strata_}"
apps="gateway goals reviews feedback analytics"

# Every password first: nothing is created unless all are there.
for app in ${apps}; do
  variable="$(echo "${app}" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  eval "password=\${${variable}:-}"
  if [ -z "${password}" ]; then
    echo "${variable} is not set" >&2
    exit 1
  fi
done

for app in ${apps}; do
  variable="$(echo "${app}" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  eval "password=\${${variable}}"
  psql --no-psqlrc -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" \
    --dbname "${POSTGRES_DB:-postgres}" \
    -v name="${prefix}${app}" -v password="${password}" <<'SQL'
CREATE ROLE :"name" LOGIN PASSWORD :'password';
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
SQL
  echo "strata: database ${prefix}${app} and its role created"
done
