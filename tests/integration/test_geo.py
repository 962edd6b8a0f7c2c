"""Geo commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS
GEORADIUSBYMEMBER and the _RO forms; their errors, RESP2/RESP3 reply shapes, and
exact values (distances, positions, hashes, scores) taken from redis-server 7.0.15.
A randomized search is checked against a brute-force haversine model."""

import math
import random

import pytest

from resp import NULL3, Double
from util import cmd, err

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"
SYNTAX = "ERR syntax error"
NOT_FLOAT = "ERR value is not a valid float"
NOT_INT = "ERR value is not an integer or out of range"
UNIT = "ERR unsupported unit provided. please use M, KM, FT, MI"
DECODE = "ERR could not decode requested zset member"

PALERMO = [b"13.36138933897018433", b"38.11555639549629859"]
CATANIA = [b"15.08726745843887329", b"37.50266842333162032"]
AGRIGENTO = [b"13.5833314061164856", b"37.31666804993816555"]


@pytest.fixture
def sicily(r):
    assert cmd(r, "GEOADD", "S", "13.361389", "38.115556", "Palermo", "15.087269",
               "37.502669", "Catania", "13.583333", "37.316667", "Agrigento") == 3


def haversine(lon1, lat1, lon2, lat2):
    r = math.radians
    u = math.sin((r(lat2) - r(lat1)) / 2)
    v = math.sin((r(lon2) - r(lon1)) / 2)
    return 2 * 6372797.560856 * math.asin(math.sqrt(u * u + math.cos(r(lat1)) *
                                                    math.cos(r(lat2)) * v * v))


class TestGeoadd:
    def test_scores_and_flags(self, r, sicily):
        assert cmd(r, "ZSCORE", "S", "Palermo") == b"3479099956230698"
        assert cmd(r, "ZSCORE", "S", "Catania") == b"3479447370796909"
        assert cmd(r, "GEOADD", "S", "13.361389", "38.115556", "Palermo") == 0
        assert cmd(r, "GEOADD", "S", "CH", "13.361389", "38.115556", "Palermo", "15", "37",
                   "Catania") == 1
        assert cmd(r, "GEOADD", "S", "NX", "CH", "1", "1", "Catania", "2", "2", "new") == 1
        assert cmd(r, "GEOPOS", "S", "Catania")[0][0].startswith(b"14.999")
        assert cmd(r, "GEOADD", "S", "XX", "CH", "1", "1", "Catania", "2", "2", "new2") == 1
        assert cmd(r, "ZSCORE", "S", "new2") is None
        assert cmd(r, "GEOADD", "nokey", "XX", "1", "1", "a") == 0
        assert cmd(r, "EXISTS", "nokey") == 0

    def test_errors(self, r, sicily):
        assert err(r, "GEOADD", "S", "NX", "XX", "1", "1", "a") == SYNTAX
        assert err(r, "GEOADD", "S", "1", "1") == "ERR wrong number of arguments for 'geoadd' command"
        assert err(r, "GEOADD", "S", "1", "1", "a", "2") == SYNTAX
        assert err(r, "GEOADD", "S", "x", "1", "a") == NOT_FLOAT
        assert err(r, "GEOADD", "S", "200", "38", "a") == \
            "ERR invalid longitude,latitude pair 200.000000,38.000000"
        assert err(r, "GEOADD", "S", "13", "86", "a") == \
            "ERR invalid longitude,latitude pair 13.000000,86.000000"
        cmd(r, "SET", "str", "x")
        assert err(r, "GEOADD", "str", "1", "1", "a") == WRONGTYPE
        # nothing was added by the failed commands
        assert cmd(r, "ZCARD", "S") == 3

    def test_limits(self, r):
        assert cmd(r, "GEOADD", "p", "0", "85.05112878", "n", "180", "-85.05112878", "s",
                   "-180", "0", "w") == 3
        assert cmd(r, "GEOPOS", "p", "n", "s", "w") == [
            [b"0.00000268220901489", b"85.0511287799999991"],
            [b"180", b"-85.05112751263942528"],
            [b"-179.99999731779098511", b"0.00000126736058093"]]
        assert cmd(r, "GEOHASH", "p", "n", "s", "w") == [b"up05b5048p0", b"00bh0hbj200",
                                                         b"80000000000"]


class TestLookups:
    def test_geodist(self, r, sicily):
        assert cmd(r, "GEODIST", "S", "Palermo", "Catania") == b"166274.1516"
        assert cmd(r, "GEODIST", "S", "Palermo", "Catania", "M") == b"166274.1516"
        assert cmd(r, "GEODIST", "S", "Palermo", "Catania", "km") == b"166.2742"
        assert cmd(r, "GEODIST", "S", "Palermo", "Catania", "MI") == b"103.3182"
        assert cmd(r, "GEODIST", "S", "Palermo", "Catania", "ft") == b"545518.8700"
        assert cmd(r, "GEODIST", "S", "Palermo", "Palermo") == b"0.0000"
        assert cmd(r, "GEODIST", "S", "Palermo", "nope") is None
        assert cmd(r, "GEODIST", "nokey", "a", "b") is None
        assert err(r, "GEODIST", "S", "Palermo", "Catania", "yd") == UNIT
        assert err(r, "GEODIST", "S", "Palermo", "Catania", "km", "x") == SYNTAX

    def test_geopos(self, r, sicily):
        assert cmd(r, "GEOPOS", "S", "Palermo", "Catania", "nope", "Agrigento") == [
            PALERMO, CATANIA, None, AGRIGENTO]
        assert cmd(r, "GEOPOS", "nokey", "a", "b") == [None, None]
        assert cmd(r, "GEOPOS", "S") == []

    def test_geohash(self, r, sicily):
        assert cmd(r, "GEOHASH", "S", "Palermo", "Catania", "Agrigento", "nope") == [
            b"sqc8b49rny0", b"sqdtr74hyu0", b"sq9sm1716e0", None]
        assert cmd(r, "GEOHASH", "nokey", "a") == [None]
        assert cmd(r, "GEOHASH", "S") == []

    def test_wrongtype(self, r):
        cmd(r, "SET", "str", "x")
        for c in (("GEOPOS", "str", "a"), ("GEOHASH", "str", "a"),
                  ("GEODIST", "str", "a", "b"),
                  ("GEOSEARCH", "str", "FROMLONLAT", 1, 1, "BYRADIUS", 1, "m"),
                  ("GEORADIUS", "str", 1, 1, 1, "m")):
            assert err(r, *c) == WRONGTYPE


class TestSearch:
    def test_georadius(self, r, sicily):
        assert cmd(r, "GEORADIUS", "S", 15, 37, 200, "km", "WITHDIST", "ASC") == [
            [b"Catania", b"56.4413"], [b"Agrigento", b"130.4235"], [b"Palermo", b"190.4424"]]
        assert cmd(r, "GEORADIUS", "S", 15, 37, 200, "km", "DESC") == [
            b"Palermo", b"Agrigento", b"Catania"]
        assert cmd(r, "GEORADIUS", "S", 15, 37, 100, "km") == [b"Catania"]
        assert cmd(r, "GEORADIUS", "S", 15, 37, 200, "km", "COUNT", 1) == [b"Catania"]
        assert cmd(r, "GEORADIUS_RO", "S", 15, 37, 200, "km", "COUNT", 2, "DESC") == [
            b"Palermo", b"Agrigento"]
        assert cmd(r, "GEORADIUS", "S", 15, 37, 200, "km", "WITHHASH", "WITHCOORD",
                   "COUNT", 1) == [[b"Catania", 3479447370796909, CATANIA]]
        assert cmd(r, "GEORADIUS", "nokey", 15, 37, 200, "km") == []

    def test_georadiusbymember(self, r, sicily):
        assert cmd(r, "GEORADIUSBYMEMBER", "S", "Agrigento", 100, "km", "ASC",
                   "WITHDIST") == [[b"Agrigento", b"0.0000"], [b"Palermo", b"90.9778"]]
        assert cmd(r, "GEORADIUSBYMEMBER_RO", "S", "Agrigento", 100, "km", "ASC") == [
            b"Agrigento", b"Palermo"]
        assert err(r, "GEORADIUSBYMEMBER", "S", "nope", 100, "km") == DECODE

    def test_geosearch(self, r, sicily):
        assert cmd(r, "GEOSEARCH", "S", "FROMLONLAT", 15, 37, "BYBOX", 400, 400, "km", "ASC",
                   "WITHDIST", "WITHCOORD") == [
            [b"Catania", b"56.4413", CATANIA], [b"Agrigento", b"130.4235", AGRIGENTO],
            [b"Palermo", b"190.4424", PALERMO]]
        # a narrow box excludes what the circle of the same size would hold
        assert cmd(r, "GEOSEARCH", "S", "FROMLONLAT", 15, 37, "BYBOX", 400, 20, "km",
                   "ASC") == []
        assert cmd(r, "GEOSEARCH", "S", "FROMMEMBER", "Palermo", "BYRADIUS", 100, "km",
                   "ASC", "WITHHASH") == [[b"Palermo", 3479099956230698],
                                          [b"Agrigento", 3479030013248308]]
        assert cmd(r, "GEOSEARCH", "S", "FROMMEMBER", "Palermo", "BYRADIUS", 300, "km",
                   "DESC", "COUNT", 1) == [b"Catania"]
        any_ = cmd(r, "GEOSEARCH", "S", "FROMMEMBER", "Palermo", "BYRADIUS", 300, "km",
                   "COUNT", 2, "ANY")
        assert len(any_) == 2
        assert cmd(r, "GEOSEARCH", "S", "FROMLONLAT", 15, 37, "BYRADIUS", 200, "mi",
                   "ASC", "WITHDIST") == [[b"Catania", b"35.0711"],
                                          [b"Agrigento", b"81.0416"],
                                          [b"Palermo", b"118.3357"]]
        assert cmd(r, "GEOSEARCH", "nokey", "FROMMEMBER", "x", "BYRADIUS", 1, "km") == []

    def test_store(self, r, sicily):
        assert cmd(r, "GEOSEARCHSTORE", "d", "S", "FROMLONLAT", 15, 37, "BYRADIUS", 200,
                   "km", "STOREDIST") == 3
        assert cmd(r, "ZRANGE", "d", 0, -1, "WITHSCORES") == [
            b"Catania", b"56.441257870158204", b"Agrigento", b"130.42348706714702",
            b"Palermo", b"190.44242984775784"]
        assert cmd(r, "GEOSEARCHSTORE", "d", "S", "FROMLONLAT", 15, 37, "BYRADIUS", 200,
                   "km", "COUNT", 1) == 1
        assert cmd(r, "ZRANGE", "d", 0, -1, "WITHSCORES") == [b"Catania",
                                                               b"3479447370796909"]
        assert cmd(r, "GEORADIUS", "S", 15, 37, 200, "km", "STORE", "d2") == 3
        assert cmd(r, "ZSCORE", "d2", "Palermo") == b"3479099956230698"
        assert cmd(r, "GEORADIUSBYMEMBER", "S", "Palermo", 1, "km", "STOREDIST", "d3") == 1
        assert cmd(r, "ZSCORE", "d3", "Palermo") == b"0"
        # an empty result deletes the destination
        assert cmd(r, "GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", 15, 37, "BYRADIUS", 1,
                   "km") == 0
        assert cmd(r, "EXISTS", "d") == 0
        assert cmd(r, "GEORADIUS", "S", 0, 0, 1, "km", "STORE", "d2") == 0
        assert cmd(r, "EXISTS", "d2") == 0

    def test_errors(self, r, sicily):
        gs = ("GEOSEARCH", "S")
        assert err(r, *gs, "BYBOX", 1, 1, "km", "ASC") == \
            "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "ASC", "WITHDIST", "WITHHASH") == \
            "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "FROMLONLAT", 1, 1, "BYRADIUS", 1,
                   "m") == SYNTAX
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYBOX", 1, 1, "m", "BYRADIUS", 1,
                   "m") == SYNTAX
        assert err(r, *gs, "FROMMEMBER", "nope", "BYRADIUS", 1, "m") == DECODE
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", "x", "m") == \
            "ERR need numeric radius"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", -1, "m") == \
            "ERR radius cannot be negative"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYBOX", "x", 1, "m") == \
            "ERR need numeric width"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYBOX", 1, "x", "m") == \
            "ERR need numeric height"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYBOX", -1, 1, "m") == \
            "ERR height or width cannot be negative"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "parsec") == UNIT
        assert err(r, *gs, "FROMLONLAT", 181, 0, "BYRADIUS", 1, "m") == \
            "ERR invalid longitude,latitude pair 181.000000,0.000000"
        assert err(r, *gs, "FROMLONLAT", "x", 0, "BYRADIUS", 1, "m") == NOT_FLOAT
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "m", "COUNT", 0) == \
            "ERR COUNT must be > 0"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "m", "COUNT", "x") == \
            NOT_INT
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "m", "ANY") == \
            "ERR the ANY argument requires COUNT argument"
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "m", "STORE", "x") == \
            SYNTAX
        assert err(r, *gs, "FROMMEMBER", "Palermo", "BYRADIUS", 1, "m", "STOREDIST") == \
            SYNTAX
        assert err(r, "GEOSEARCHSTORE", "d", "S", "FROMMEMBER", "Palermo", "BYRADIUS", 1,
                   "m", "WITHDIST") == \
            "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options"
        assert err(r, "GEORADIUS", "S", 1, 1, 1, "km", "STORE", "d", "WITHDIST") == \
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and " \
            "WITHCOORD options"
        assert err(r, "GEORADIUS", "S", 1, 1, "x", "km") == "ERR need numeric radius"
        assert err(r, "GEORADIUS", "S", 1, 1, 1, "km", "COUNT") == SYNTAX
        assert err(r, "GEORADIUS_RO", "S", 1, 1, 1, "km", "STORE", "d") == SYNTAX
        assert err(r, "GEORADIUS", "S", 1, 1, 1, "yd") == UNIT

    def test_random_against_model(self, r):
        rnd = random.Random(42)
        pts = {}
        args = []
        for i in range(1500):
            lon, lat = rnd.uniform(-20, 20), rnd.uniform(30, 60)
            args += ["%.6f" % lon, "%.6f" % lat, "m%d" % i]
        cmd(r, "GEOADD", "g", *args)
        for m, (lon, lat) in zip(cmd(r, "ZRANGE", "g", 0, -1),
                                 [tuple(map(float, p)) for p in
                                  cmd(r, "GEOPOS", "g", *cmd(r, "ZRANGE", "g", 0, -1))]):
            pts[m] = (lon, lat)
        for _ in range(60):
            lon, lat = rnd.uniform(-25, 25), rnd.uniform(25, 65)
            km = rnd.choice([5, 50, 200, 600, 1500])
            got = cmd(r, "GEOSEARCH", "g", "FROMLONLAT", lon, lat, "BYRADIUS", km, "km",
                      "ASC", "WITHDIST")
            want = {m for m, (x, y) in pts.items()
                    if haversine(lon, lat, x, y) <= km * 1000 - 1e-3}
            names = {g[0] for g in got}
            assert want <= names
            for g in got:
                x, y = pts[g[0]]
                d = haversine(lon, lat, x, y)
                assert d <= km * 1000 + 1e-3
                assert abs(float(g[1]) - d / 1000) < 1e-3
            dists = [float(g[1]) for g in got]
            assert dists == sorted(dists)


class TestResp3:
    def test_shapes(self, raw):
        raw.call("GEOADD", "S", "13.361389", "38.115556", "Palermo", "15.087269",
                 "37.502669", "Catania")
        raw.call("HELLO", 3)
        pos = raw.call("GEOPOS", "S", "Palermo", "nope")
        assert len(pos) == 2 and pos[1] == NULL3
        assert all(type(v) is Double for v in pos[0])
        assert pos[0] == [13.361389338970184, 38.1155563954963]
        assert raw.call("GEODIST", "S", "Palermo", "Catania") == b"166274.1516"
        assert raw.call("GEODIST", "S", "Palermo", "nope") == NULL3
        assert raw.call("GEOHASH", "S", "Palermo", "nope") == [b"sqc8b49rny0", NULL3]
        got = raw.call("GEOSEARCH", "S", "FROMMEMBER", "Palermo", "BYRADIUS", 200, "km",
                       "ASC", "WITHDIST", "WITHHASH", "WITHCOORD")
        assert got[0][:3] == [b"Palermo", b"0.0000", 3479099956230698]
        assert got[1][:3] == [b"Catania", b"166.2742", 3479447370796909]
        assert got[1][3] == [15.087267458438873, 37.50266842333162]
        assert all(type(v) is Double for v in got[1][3])

    def test_resp3_coordinate_text(self, raw):
        # RESP3 doubles carry the same "%.17Lf"-style text as the RESP2 bulk strings
        raw.call("GEOADD", "S", "13.361389", "38.115556", "Palermo")
        raw.call("HELLO", 3)
        raw.send("GEOPOS", "S", "Palermo")
        want = b"*1\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n"
        data = b""
        while len(data) < len(want):
            chunk = raw.sock.recv(4096)
            assert chunk
            data += chunk
        assert data == want
