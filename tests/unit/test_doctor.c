/*
 * Unit tests: shopctl doctor's classifications, which a test machine
 * cannot provoke all of (an NFS or FUSE mount, another SQLite), and its
 * verdict.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "data/doctor.h"

#define MiB	(1024ULL * 1024)
#define GiB	(1024 * MiB)

START_TEST(filesystems)
{
	static const struct {
		unsigned long		 type;
		const char		*name;
		enum doctor_level	 level;
	} want[] = {
		{ 0xEF53, "ext4", DOCTOR_OK },
		{ 0x58465342, "xfs", DOCTOR_OK },
		{ 0x9123683E, "btrfs", DOCTOR_OK },
		{ 0x794C7630, "overlay", DOCTOR_OK },
		{ 0x01021994, "tmpfs", DOCTOR_WARN },
		{ 0x6969, "nfs", DOCTOR_FAIL },
		{ 0xFF534D42, "cifs", DOCTOR_FAIL },
		{ 0xFE534D42, "smb2", DOCTOR_FAIL },
		{ 0x517B, "smb", DOCTOR_FAIL },
		{ 0x65735546, "fuse", DOCTOR_FAIL },
		{ 0x01021997, "9p", DOCTOR_FAIL },
		{ 0x00C36400, "ceph", DOCTOR_FAIL },
	};
	const char	*name, *why;
	size_t		 i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		why = "unset";
		ck_assert_int_eq(doctor_fs_level(want[i].type, &name, &why),
		    want[i].level);
		ck_assert_str_eq(name, want[i].name);
		if (want[i].level == DOCTOR_OK)
			ck_assert_ptr_null(why);
		else
			ck_assert_ptr_nonnull(why);
	}
	/* The reasons say why, so the operator can act on them. */
	doctor_fs_level(0x6969, &name, &why);
	ck_assert_ptr_nonnull(strstr(why, "need a local filesystem"));
	doctor_fs_level(0x65735546, &name, &why);
	ck_assert_ptr_nonnull(strstr(why, "FUSE"));
	/* f_type is signed on some ABIs: CIFS's magic sign-extended. */
	ck_assert_int_eq(doctor_fs_level((unsigned long)(long)(int)0xFF534D42,
	    &name, NULL), DOCTOR_FAIL);
	ck_assert_str_eq(name, "cifs");
	ck_assert_int_eq(doctor_fs_level(0x12345678, &name, &why), DOCTOR_WARN);
	ck_assert_ptr_null(name);
	ck_assert_ptr_nonnull(strstr(why, "unknown"));
}
END_TEST

START_TEST(sqlite_versions)
{
	ck_assert_int_eq(doctor_sqlite_level(3040001), DOCTOR_WARN);
	ck_assert_int_eq(doctor_sqlite_level(3051002), DOCTOR_WARN);
	ck_assert_int_eq(doctor_sqlite_level(3051003), DOCTOR_OK);
	ck_assert_int_eq(doctor_sqlite_level(3052000), DOCTOR_OK);
}
END_TEST

START_TEST(space)
{
	ck_assert_int_eq(doctor_space_level(50 * GiB, 10 * MiB), DOCTOR_OK);
	ck_assert_int_eq(doctor_space_level(900 * MiB, 10 * MiB), DOCTOR_WARN);
	ck_assert_int_eq(doctor_space_level(5 * GiB, 2 * GiB), DOCTOR_WARN);
	ck_assert_int_eq(doctor_space_level(60 * MiB, 1 * MiB), DOCTOR_FAIL);
	ck_assert_int_eq(doctor_space_level(2 * GiB, 3 * GiB), DOCTOR_FAIL);
	ck_assert_int_eq(doctor_space_level(0, 0), DOCTOR_FAIL);
}
END_TEST

START_TEST(modes)
{
	ck_assert_int_eq(doctor_mode_level(0100640, false, false), DOCTOR_OK);
	ck_assert_int_eq(doctor_mode_level(0100600, false, false), DOCTOR_OK);
	ck_assert_int_eq(doctor_mode_level(0100644, false, false), DOCTOR_WARN);
	ck_assert_int_eq(doctor_mode_level(0100660, false, false), DOCTOR_WARN);
	ck_assert_int_eq(doctor_mode_level(0100666, false, false), DOCTOR_FAIL);
	ck_assert_int_eq(doctor_mode_level(040750, true, false), DOCTOR_OK);
	ck_assert_int_eq(doctor_mode_level(040700, true, false), DOCTOR_OK);
	ck_assert_int_eq(doctor_mode_level(040755, true, false), DOCTOR_WARN);
	ck_assert_int_eq(doctor_mode_level(041777, true, false), DOCTOR_FAIL);
	ck_assert_int_eq(doctor_mode_level(0100600, false, true), DOCTOR_OK);
	ck_assert_int_eq(doctor_mode_level(0100640, false, true), DOCTOR_WARN);
}
END_TEST

START_TEST(verdict)
{
	struct doctor	d = { 0 };

	ck_assert_int_eq(doctor_status(&d), 0);
	doctor_say(&d, DOCTOR_OK, "one", "fine %d", 1);
	ck_assert_int_eq(doctor_status(&d), 0);
	doctor_say(&d, DOCTOR_WARN, "two", "so so");
	ck_assert_int_eq(doctor_status(&d), 1);
	doctor_say(&d, DOCTOR_FAIL, "three", "bad");
	doctor_say(&d, DOCTOR_OK, "four", "fine");
	ck_assert_int_eq(doctor_status(&d), 2);
	ck_assert_str_eq(buf_str(&d.out), "ok    one: fine 1\n"
	    "warn  two: so so\nfail  three: bad\nok    four: fine\n");
	ck_assert_int_eq(d.count[DOCTOR_OK], 2);
	doctor_free(&d);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("doctor");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, filesystems);
	tcase_add_test(tc, sqlite_versions);
	tcase_add_test(tc, space);
	tcase_add_test(tc, modes);
	tcase_add_test(tc, verdict);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
