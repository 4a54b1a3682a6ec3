-- One database per service, each with PostGIS (used by docker-compose.yml).
CREATE DATABASE walks;
CREATE DATABASE tips;
CREATE DATABASE patrols;
CREATE DATABASE notify;
\c walks
CREATE EXTENSION postgis;
\c tips
CREATE EXTENSION postgis;
\c patrols
CREATE EXTENSION postgis;
\c notify
CREATE EXTENSION postgis;
