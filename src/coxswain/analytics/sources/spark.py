"""A quiet local PySpark session for running the analytics definitions on Spark.

Local mode on this machine's Java 17: no web UI, driver bound to 127.0.0.1, UTC session
time zone (day numbers and epoch seconds must not shift), few shuffle partitions (small
data, two cores). A warehouse team would instead pass its own session's Ibis backend to
:func:`coxswain.analytics.sources.extracts.open_extract`.
"""

from __future__ import annotations

import glob
import os
import shutil
from typing import Any

from coxswain.analytics.errors import EngineUnavailableError

JAVA_CANDIDATES = ("/usr/lib/jvm/java-17-openjdk-*", "/usr/lib/jvm/java-17-*", "/usr/lib/jvm/*")


def _java_home() -> str | None:
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    for pattern in JAVA_CANDIDATES:
        for candidate in sorted(glob.glob(pattern)):
            if os.path.exists(os.path.join(candidate, "bin", "java")):
                return candidate
    java = shutil.which("java")
    if java:
        return os.path.dirname(os.path.dirname(os.path.realpath(java)))
    return None


def spark_session(*, cores: int = 2, app_name: str = "coxswain-analytics") -> Any:
    """Start (or reuse) a local Spark session configured as the module docstring says.

    Raises:
        EngineUnavailableError: when no Java runtime can be found.
    """
    home = _java_home()
    if home is None:
        raise EngineUnavailableError("PySpark needs Java 17: set JAVA_HOME or install a JDK")
    os.environ.setdefault("JAVA_HOME", home)
    os.environ.setdefault("PYSPARK_PYTHON", os.environ.get("PYSPARK_PYTHON", "python3"))
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, cores)))
        .config("spark.default.parallelism", str(max(2, cores)))
        .config("spark.driver.memory", "1g")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.log.level", "ERROR")
    )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def spark_backend(session: Any | None = None) -> Any:
    """An Ibis PySpark backend over ``session`` (a fresh local one when ``None``)."""
    import ibis

    return ibis.pyspark.connect(session or spark_session())
