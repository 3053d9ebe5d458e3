#!/bin/sh
# Prints the migration files of $1 in apply order (meson needs them listed).
ls "$1"/[0-9][0-9][0-9]_*.sql | sort
