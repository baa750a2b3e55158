"""The hookspecs: documented, taking a ``register`` callback, and enforced by pluggy."""

import inspect

import pluggy
import pytest

from dlbench import hookimpl
from dlbench.host import hookspecs


def _specs():
    return [f for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "dlbench_spec")]


def test_every_hook_has_a_docstring_and_registering_hooks_take_a_register_callback():
    specs = {f.__name__: f for f in _specs()}
    assert set(specs) == {"register_models", "register_tasks", "register_task_sources", "register_reporters",
                          "trial_finished", "run_finished"}
    assert sorted(specs) == hookspecs.hook_names()
    for name, spec in specs.items():
        assert spec.__doc__ and len(spec.__doc__.strip()) > 20, name
        if name.startswith("register_"):
            assert list(inspect.signature(spec).parameters) == ["register"]
    assert list(inspect.signature(specs["trial_finished"]).parameters) == ["result"]
    assert list(inspect.signature(specs["run_finished"]).parameters) == ["run_dir"]


def test_hookimpl_is_importable_from_the_package():
    assert isinstance(hookimpl, pluggy.HookimplMarker)
    assert hookimpl.project_name == "dlbench"


def test_misspelt_hook_is_caught(pm):
    class Misspelt:
        @hookimpl
        def register_modles(self, register):
            pass

    pm.register(Misspelt(), name="misspelt")
    with pytest.raises(pluggy.PluginValidationError, match="register_modles"):
        pm.check_pending()
    pm.unregister(name="misspelt")
