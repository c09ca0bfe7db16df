"""The operator's side of the contract suite: every `admin_arrow_*` call of the official client
`waldur_api_client`, recorded, plus everything the server answered and logged.

`Operator` makes the calls the way a program built on the client would (`sync_detailed`, so the
client checks the status code and parses the body with its models) and remembers which of the
62 modules it used. The few answers the client's models cannot represent (documented in the test
module) go through `Operator.raw`: the same request, built by the module itself, read as JSON.
`LogCapture` collects every log record of the process (the live server runs in it) at DEBUG.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from uuid import UUID

import httpx
import pytest
import waldur_api_client.api.admin as admin_api
from waldur_api_client.client import AuthenticatedClient
from waldur_api_client.errors import UnexpectedStatus

from arrow_client import ArrowClient, Partner, Period
from arrow_emulator.testing import EmulatorProcess
from core.models import Customer
from core.services.demo import CoreDemoData

ADMIN_ARROW_PREFIX = "admin_arrow_"


def admin_arrow_modules() -> dict[str, ModuleType]:
    """Every `admin_arrow_*` module of the installed client, by name."""
    return {
        info.name: importlib.import_module(f"{admin_api.__name__}.{info.name}")
        for info in pkgutil.iter_modules(admin_api.__path__)
        if info.name.startswith(ADMIN_ARROW_PREFIX)
    }


def module_name(module: ModuleType) -> str:
    return module.__name__.rsplit(".", 1)[-1]


class Operator:
    """Calls the admin API through the official client and records what it called and received.

    ``raw_cases`` maps module names to the reason their answer is read as raw JSON; `raw` refuses
    any other module, so the documented list stays the only place such exceptions live.
    """

    def __init__(self, *, base_url: str, token: str, raw_cases: Mapping[str, str]) -> None:
        self.raw_cases = raw_cases
        self.called: set[str] = set()
        self.called_raw: set[str] = set()
        self.exchanges: list[tuple[httpx.Request, httpx.Response]] = []
        self.client = AuthenticatedClient(
            base_url=base_url, token=token, httpx_args={"event_hooks": {"response": [self._remember]}}
        )

    def _remember(self, response: httpx.Response) -> None:
        response.read()
        self.exchanges.append((response.request, response))

    def close(self) -> None:
        self.client.get_httpx_client().close()

    def detailed(self, module: ModuleType, **kwargs):
        """The client's `Response` (status checked, body parsed by the client's models)."""
        self.called.add(module_name(module))
        return module.sync_detailed(client=self.client, **kwargs)

    def call(self, module: ModuleType, **kwargs):
        """The parsed answer of a call the client accepts."""
        return self.detailed(module, **kwargs).parsed

    def refused(self, module: ModuleType, status: int, **kwargs) -> bytes:
        """A call the server must refuse with ``status``; returns the (JSON) body."""
        with pytest.raises(UnexpectedStatus) as refusal:
            self.detailed(module, **kwargs)
        assert refusal.value.status_code == status, refusal.value.content
        return refusal.value.content

    def raw(self, module: ModuleType, **kwargs):
        """The JSON of a documented answer that the client's models cannot parse.

        The request is the module's own (`_get_kwargs`). The module's parser must accept the
        status and fail only on the body (TypeError/ValueError from a null it types as
        required); once it parses, the case is no longer needed and this fails.
        """
        name = module_name(module)
        assert name in self.raw_cases, f"{name} is not a documented raw-JSON case"
        self.called.add(name)
        self.called_raw.add(name)
        response = self.client.get_httpx_client().request(**module._get_kwargs(**kwargs))
        try:
            module._parse_response(client=self.client, response=response)
        except UnexpectedStatus as exc:
            raise AssertionError(f"{name}: status {exc.status_code}: {exc.content!r}") from None
        except (TypeError, ValueError):
            return response.json()
        raise AssertionError(f"{name}: the client parses this answer now; drop it from the raw cases")

    def text_received(self) -> str:
        """Every status line, header and body the server sent, as one text."""
        return "\n".join(
            f"{response.status_code} {request.method} {request.url}\n{response.headers}\n{response.text}"
            for request, response in self.exchanges
        )

    def text_sent(self) -> str:
        return "\n".join(request.content.decode(errors="replace") for request, _ in self.exchanges)


class LogCapture(logging.Handler):
    """Collects every record of every logger at DEBUG while installed (a context manager).

    Attaches to the root logger and to the loggers that do not propagate, lowers explicit levels
    to DEBUG, and puts everything back on exit.
    """

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []
        self._restore: list[tuple[logging.Logger, int]] = []
        self._attached: list[logging.Logger] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def __enter__(self) -> LogCapture:
        loggers = [logging.getLogger()] + [
            logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
        ]
        for logger in loggers:
            self._restore.append((logger, logger.level))
            if logger.level != logging.NOTSET or logger is logging.getLogger():
                logger.setLevel(logging.DEBUG)
            if logger is logging.getLogger() or not logger.propagate:
                logger.addHandler(self)
                self._attached.append(logger)
        return self

    def __exit__(self, *exc_info) -> None:
        for logger in self._attached:
            logger.removeHandler(self)
        for logger, level in self._restore:
            logger.setLevel(level)

    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Flow:
    """What the steps of the operator's run share: who calls, Arrow's own view, and what was created."""

    operator: Operator
    arrow: ArrowClient
    emulator: EmulatorProcess
    demo: CoreDemoData
    current: Period
    partner: Partner | None = None
    settings_uuid: UUID | None = None
    spare_settings_uuid: UUID | None = None
    export_type: str = ""
    # Arrow customer reference -> local customer, for the mappings saved by the wizard.
    mapped: dict[str, Customer] = field(default_factory=dict)
    mapping_uuids: dict[str, UUID] = field(default_factory=dict)
    extra_mapping_uuid: UUID | None = None
    planless_vendor_mapping_uuid: UUID | None = None

    @property
    def credentials(self) -> dict[str, str]:
        return {"api_url": self.emulator.base_url, "api_key": self.emulator.api_key}

    def months_ago(self, months: int) -> Period:
        return self.current.shift(-months)
