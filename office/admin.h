/*
 * admin: officed's administration commands for the office's view
 * (officed(8)); officed.c dispatches to them.
 *
 *   officed user add NAME | user passwd NAME | user remove NAME
 *       the dashboard's logins; the password is read from standard input
 *       (asked twice without echo on a terminal)
 *   officed export days|months|programme [--from X] [--to Y] [--lang ja|en] [-o FILE]
 *       the dashboard's CSV files (export.h), to standard output or FILE
 *   officed holidays import FILE
 *       the Cabinet Office's syukujitsu.csv into the content (holidays.h)
 *   officed backup FILE
 *       a consistent copy of the SQLite database while officed runs
 *
 * Each returns the process's exit status: 0, 1 (failed), 2 (usage).
 */
#ifndef OFFICE_ADMIN_H
#define OFFICE_ADMIN_H

#include "office_config.h"

int admin_user(const struct office_config *cfg, int argc, char **argv);
int admin_export(const struct office_config *cfg, int argc, char **argv);
int admin_holidays(const struct office_config *cfg, int argc, char **argv);
int admin_backup(const struct office_config *cfg, int argc, char **argv);

#endif
