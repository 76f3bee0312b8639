/*
 * The job kinds beyond the registry's: none. This file's object defines
 * only job_extra_kinds, so the test builds link their own in its place
 * (tests/seams/jobs.c: kinds that sleep and fail on demand) and what make
 * builds and installs knows no such kinds.
 */
#include <stddef.h>

#include "jobs/job.h"

const struct job_kind_def job_extra_kinds[] = {
	{ NULL, NULL },
};
