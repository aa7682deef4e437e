import os

# Qt must see this before it is imported by any test module.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_addoption(parser):
    parser.addoption(
        "--uvloop",
        action="store_true",
        default=os.environ.get("CORE_TEST_LOOP") == "uvloop",
        help="run the pytest-asyncio tests on uvloop (pip install '.[speed]'); "
        "the same as CORE_TEST_LOOP=uvloop",
    )


class UvloopLoops:
    """pytest-asyncio plugin: every asyncio test runs on a uvloop loop."""

    def pytest_asyncio_loop_factories(self, config, item):
        import uvloop

        return {"uvloop": uvloop.new_event_loop}


def pytest_configure(config):
    # Registered only when asked for, so that the default run keeps asyncio's own loop.
    if config.getoption("--uvloop"):
        config.pluginmanager.register(UvloopLoops(), "core-uvloop-loops")


def pytest_report_header(config):
    return "event loop: uvloop (--uvloop)" if config.getoption("--uvloop") else None
