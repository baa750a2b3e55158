"""Plugin loading and the catalogue: built-ins, throwaway plugins, entry points, duplicates, lookups."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conftest import make_task_data
from dlbench import Model, SklearnClassifier, Task, TaskSource, hookimpl
from dlbench.errors import DlbenchError, DuplicateNameError, UnknownNameError
from dlbench.host.catalogue import BUILTIN_PLUGINS, Catalogue, make_plugin_manager


def _knn_model(name="toy-knn"):
    def build(params, task):
        from sklearn.neighbors import KNeighborsClassifier

        return SklearnClassifier(KNeighborsClassifier(n_neighbors=params["k"]))

    return Model(name=name, family="classical", search_space=lambda trial: {"k": trial.suggest_int("k", 1, 9)},
                 defaults={"k": 3}, build=build)


class ThrowawayPlugin:
    """Registers one extra model and one extra task."""

    @hookimpl
    def register_models(self, register):
        register(_knn_model())

    @hookimpl
    def register_tasks(self, register):
        register(Task(name="toy", tags=("images", "toy"), class_names=("a", "b"), load=make_task_data))


@pytest.fixture
def throwaway(pm):
    pm.register(ThrowawayPlugin(), name="throwaway")
    yield pm
    pm.unregister(name="throwaway")


def test_builtins_register_through_the_hooks(catalogue):
    assert catalogue.list_models() == ["cnn", "decision-tree", "extra-trees", "hist-gradient-boosting", "hog-svm", "knn",
                                       "logistic", "mlp", "random-forest", "resnet", "svm"]
    assert catalogue.list_tasks() == ["cifar10", "cifar100", "digits", "fashion-mnist", "mnist", "mnist-5k", "shapes"]
    assert list(catalogue.source_entries) == ["folder", "shapes"]
    assert {catalogue.model_entries[m].plugin for m in catalogue.list_models()} <= set(BUILTIN_PLUGINS)
    assert all(entry.source == "built-in" for entry in catalogue.task_entries.values())
    assert {m.family for m in catalogue.select_models()} == {"deep", "classical"}


def test_a_registered_plugin_joins_the_catalogue_and_leaves_with_it(throwaway):
    catalogue = Catalogue.from_plugins(throwaway)
    assert "toy-knn" in catalogue.list_models()
    assert catalogue.model_entries["toy-knn"].plugin == "throwaway"
    assert [t.name for t in catalogue.select_tasks(["toy"])] == ["toy"]
    assert "toy" in [t.name for t in catalogue.select_tasks(["images"])]
    throwaway.unregister(name="throwaway")
    assert "toy-knn" not in Catalogue.from_plugins(throwaway).list_models()
    throwaway.register(ThrowawayPlugin(), name="throwaway")  # for the fixture's teardown


def test_duplicate_names_give_one_error_naming_both_plugins(pm):
    class Again:
        @hookimpl
        def register_models(self, register):
            register(_knn_model(name="svm"))

    pm.register(Again(), name="again")
    try:
        with pytest.raises(DuplicateNameError) as error:
            Catalogue.from_plugins(pm)
        assert "'svm'" in str(error.value)
        assert "dlbench.plugins.svm" in str(error.value) and "again" in str(error.value)
    finally:
        pm.unregister(name="again")


def test_list_models_takes_wildcards(catalogue):
    assert catalogue.list_models("*") == catalogue.list_models()
    assert catalogue.list_models("*l*") == ["logistic", "mlp"]
    assert catalogue.list_models("nothing*") == []
    assert [m.name for m in catalogue.select_models(["c*", "svm"])] == ["cnn", "svm"]


def test_unknown_names_list_the_valid_ones(catalogue):
    with pytest.raises(UnknownNameError, match="valid models: cnn, decision-tree, extra-trees, hist-gradient-boosting, "
                                               "hog-svm, knn, logistic, mlp, random-forest, resnet, svm"):
        catalogue.model("transformer")
    with pytest.raises(UnknownNameError, match="valid tasks: cifar10, cifar100, digits, fashion-mnist, mnist, mnist-5k, shapes"):
        catalogue.task("cifar")
    with pytest.raises(DlbenchError, match="valid tasks: cifar10, .*, shapes; valid tags: .*images.*; task sources: folder:..."):
        catalogue.select_tasks(["cifar"])
    with pytest.raises(UnknownNameError, match="unknown model 'x\\*'"):
        catalogue.select_models(["x*"])


def test_unknown_names_suggest_the_closest_valid_one(catalogue):
    with pytest.raises(UnknownNameError, match=r"^unknown model 'logistc' \(did you mean 'logistic'\?\); valid models"):
        catalogue.model("logistc")
    with pytest.raises(UnknownNameError, match=r"^unknown model 'decision_tree' \(did you mean 'decision-tree'\?\);"):
        catalogue.select_models(["svm", "decision_tree"])
    with pytest.raises(UnknownNameError, match=r"^unknown task 'mnist5k' \(did you mean 'mnist-5k'\?\); valid tasks"):
        catalogue.task("mnist5k")
    with pytest.raises(UnknownNameError, match=r"^unknown format 'htm' \(did you mean 'html'\?\); valid formats"):
        catalogue.reporter("htm")
    with pytest.raises(UnknownNameError, match=r"^unknown model 'transformer'; valid models"):  # nothing close
        catalogue.model("transformer")


def test_tags_select_every_builtin_image_task(catalogue):
    assert [t.name for t in catalogue.select_tasks(["images"])] == ["digits", "mnist-5k", "shapes"]
    assert [t.name for t in catalogue.select_tasks(["images-standard"])] == ["cifar10", "cifar100", "fashion-mnist", "mnist"]
    assert [t.name for t in catalogue.select_tasks(["shapes", "images"])] == ["shapes", "digits", "mnist-5k"]


def test_registered_items_are_checked(pm):
    class BadFamily:
        @hookimpl
        def register_models(self, register):
            register(Model(name="odd", family="quantum", search_space=lambda t: {}, defaults={}, build=lambda p, t: None))

    pm.register(BadFamily(), name="bad-family")
    try:
        with pytest.raises(DlbenchError, match="plugin 'bad-family' \\(registered\\): model 'odd' has family 'quantum'; valid families: deep, classical"):
            Catalogue.from_plugins(pm)
    finally:
        pm.unregister(name="bad-family")


def install_fake_entry_point_plugin(root) -> None:
    """A real distribution on sys.path, with an entry point in group ``dlbench``."""
    (root / "fake_dlbench_plugin.py").write_text(textwrap.dedent('''
        from dlbench import Model, SklearnClassifier, hookimpl

        def build(params, task):
            from sklearn.neighbors import KNeighborsClassifier
            return SklearnClassifier(KNeighborsClassifier(n_neighbors=params["k"]))

        @hookimpl
        def register_models(register):
            register(Model(name="fake-knn", family="classical", defaults={"k": 3}, build=build,
                           search_space=lambda trial: {"k": trial.suggest_int("k", 1, 9)}))
    '''))
    info = root / "fake_dlbench_plugin-1.2.3.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-dlbench-plugin\nVersion: 1.2.3\n")
    (info / "entry_points.txt").write_text("[dlbench]\nfake = fake_dlbench_plugin\n")


def test_entry_point_plugins_are_found(tmp_path, monkeypatch):
    install_fake_entry_point_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    catalogue = Catalogue.from_plugins(make_plugin_manager(load_entrypoints=True))
    entry = catalogue.model_entries["fake-knn"]
    assert entry.plugin == "fake" and entry.source == "fake-dlbench-plugin 1.2.3"
    assert "fake-knn" not in Catalogue.from_plugins(make_plugin_manager(load_entrypoints=False)).list_models()


class ToySource:
    """Makes a task on demand: ``--task toy:NAME``."""

    @hookimpl
    def register_task_sources(self, register):
        register(TaskSource(prefix="toy", make=lambda argument, options: Task(
            name=f"toy-{argument}", tags=(), class_names=("a", "b"), load=make_task_data)))


def test_task_plugin_names_the_plugin_of_a_task_or_of_the_source_that_made_it(pm):
    pm.register(ToySource(), name="toy-source")
    catalogue = Catalogue.from_plugins(pm)
    (made,) = catalogue.select_tasks(["toy:one"])
    assert made.name == "toy-one" and catalogue.task_plugin("toy-one") == "toy-source"
    assert catalogue.task_plugin("digits") == "dlbench.tasks.digits"


def test_registration_hooks_and_observers_run_in_pluggys_order_each_attributed_to_its_plugin(pm):
    from dlbench.host.loading import Plugins
    from dlbench.host.observers import Observers

    calls = []

    class Early:  # registered first, but tryfirst: called before every plain implementation
        @hookimpl(tryfirst=True)
        def register_models(self, register):
            calls.append("early")
            register(_knn_model(name="early-knn"))

        @hookimpl(tryfirst=True)
        def run_finished(self, run_dir):
            calls.append("early saw the run")

    class Late:  # registered last: pluggy calls the plain implementations last registered first
        @hookimpl
        def register_models(self, register):
            calls.append("late")
            register(_knn_model(name="late-knn"))

        @hookimpl
        def run_finished(self, run_dir):
            calls.append("late saw the run")

    class Around:  # a new-style wrapper: around each plugin's registration
        @hookimpl(wrapper=True)
        def register_models(self, register):
            calls.append("around")
            return (yield)

    for name, plugin in (("early", Early()), ("around", Around()), ("late", Late())):
        pm.register(plugin, name=name)
    try:
        catalogue = Catalogue.from_plugins(pm)
        registering = [call for call in calls if call in ("early", "late")]
        assert registering == ["early", "late"]  # tryfirst before the plain ones; Late before the built-ins
        assert calls[:4] == ["around", "early", "around", "late"]  # the wrapper wraps each plugin's call
        assert calls.count("around") == len(pm.hook.register_models.get_hookimpls()) - 1  # once per plugin
        assert catalogue.model_entries["early-knn"].plugin == "early"
        assert catalogue.model_entries["late-knn"].plugin == "late"
        assert catalogue.model_entries["svm"].plugin == "dlbench.plugins.svm"
        calls.clear()
        Observers(Plugins(pm)).run_finished(Path("."))
        assert calls == ["early saw the run", "late saw the run"]
    finally:
        for name in ("early", "around", "late"):
            pm.unregister(name=name)
