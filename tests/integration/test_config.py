"""Start-up configuration: config files, command-line overrides, bad settings,
environment variables and --help."""

import re

import pytest

from util import cmd, expect_startup_failure, info_dict


def line_named(output, n):
    """The error output points at line n of the config file."""
    return re.search(r"(\bline\D{0,3}%d\b|:%d:)" % (n, n), output, re.I) is not None


def get(c, name):
    rep = cmd(c, "CONFIG", "GET", name)
    assert len(rep) == 2, rep
    return rep[1].decode()


class TestConfigFile:
    def test_values_from_file(self, server, tmp_path):
        conf = tmp_path / "a.conf"
        conf.write_text(
            "# a comment\n"
            "\n"
            "   # indented comment\n"
            "maxmemory 10mb\n"
            "maxmemory-policy allkeys-lru\n"
            "MAXMEMORY-SAMPLES 7\n"
            "timeout 300\n"
            "save \"\"\n")
        srv = server(config_file=str(conf))
        c = srv.client()
        assert get(c, "maxmemory") == "10485760"
        assert get(c, "maxmemory-policy") == "allkeys-lru"
        assert get(c, "maxmemory-samples") == "7"
        assert get(c, "timeout") == "300"
        assert info_dict(c, "memory")["maxmemory_policy"] == "allkeys-lru"

    def test_command_line_overrides_file(self, server, tmp_path):
        conf = tmp_path / "b.conf"
        conf.write_text("maxmemory 10mb\nmaxmemory-policy allkeys-lru\n")
        srv = server("--maxmemory", "20mb", config_file=str(conf))
        c = srv.client()
        assert get(c, "maxmemory") == "20971520"
        assert get(c, "maxmemory-policy") == "allkeys-lru"

    def test_unknown_directive(self, server, tmp_path):
        conf = tmp_path / "bad.conf"
        conf.write_text("maxmemory 10mb\nfoo-bar-directive 1\n")
        out = expect_startup_failure(server, config_file=str(conf))
        assert "foo-bar-directive" in out, out
        assert line_named(out, 2), out

    def test_invalid_value(self, server, tmp_path):
        conf = tmp_path / "bad.conf"
        conf.write_text("# policy below is wrong\nmaxmemory 10mb\nmaxmemory-policy nope\n")
        out = expect_startup_failure(server, config_file=str(conf))
        assert "maxmemory-policy" in out, out
        assert line_named(out, 3), out

    def test_invalid_memory_value(self, server, tmp_path):
        conf = tmp_path / "bad.conf"
        conf.write_text("maxmemory lots\n")
        out = expect_startup_failure(server, config_file=str(conf))
        assert "maxmemory" in out, out
        assert line_named(out, 1), out

    def test_missing_config_file(self, server, tmp_path):
        out = expect_startup_failure(server, config_file=str(tmp_path / "nope.conf"))
        assert "nope.conf" in out, out


class TestCommandLine:
    @pytest.mark.parametrize("args,name", [
        (("--port", "abc"), "port"),
        (("--maxmemory-policy", "nope"), "maxmemory-policy"),
        (("--maxmemory", "lots"), "maxmemory"),
        (("--no-such-option-xyz", "1"), "no-such-option-xyz"),
    ])
    def test_bad_arguments(self, server, args, name):
        out = expect_startup_failure(server, *args)
        assert name in out, out

    def test_port_in_use(self, server):
        first = server()
        out = expect_startup_failure(server, port=first.port)
        assert re.search(r"in use|bind", out, re.I), out
        assert first.client().ping()

    def test_arguments_applied(self, server):
        srv = server("--maxmemory", "3mb", "--timeout", "120")
        c = srv.client()
        assert get(c, "maxmemory") == "3145728"
        assert get(c, "timeout") == "120"
        assert get(c, "port") == str(srv.port)


@pytest.mark.kvik_only
class TestKvikOnly:
    def test_env_variables(self, server):
        srv = server(env={"KVIK_MAXMEMORY": "30mb", "KVIK_MAXMEMORY_POLICY": "allkeys-lfu"})
        c = srv.client()
        assert get(c, "maxmemory") == "31457280"
        assert get(c, "maxmemory-policy") == "allkeys-lfu"

    def test_command_line_overrides_env(self, server):
        srv = server("--maxmemory", "5mb", env={"KVIK_MAXMEMORY": "30mb"})
        assert get(srv.client(), "maxmemory") == "5242880"

    def test_bad_env_value(self, server):
        out = expect_startup_failure(server, env={"KVIK_MAXMEMORY_POLICY": "nope"})
        assert re.search(r"KVIK_MAXMEMORY_POLICY|maxmemory-policy", out), out

    def test_help(self, server):
        srv = server("--help", start=False, base_args=False)
        srv.expect_failure = True  # the exit code is asserted here
        srv.spawn()
        assert srv.wait_exit(15) == 0
        out = srv.output()
        for name in ("port", "bind", "dir", "maxmemory", "maxmemory-policy", "threads",
                     "logfile", "maxclients"):
            assert re.search(r"\b%s\b" % re.escape(name), out), name

    @pytest.mark.parametrize("threads", [1, 3])
    def test_threads_setting(self, server, threads):
        srv = server(threads=threads)
        c = srv.client()
        assert get(c, "threads") == str(threads)
        assert c.set("k", "v") and c.get("k") == b"v"

    def test_threads_invalid(self, server):
        out = expect_startup_failure(server, "--threads", "abc")
        assert "threads" in out, out

