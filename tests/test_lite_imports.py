"""xlwings Lite runs in Pyodide, where python-calamine and lxml do not exist (pyproject skips them
there): the worksheet functions, the handlers, the ribbon and the xlwings host must import without them."""
import subprocess
import sys
import textwrap


def test_functions_and_handlers_import_without_the_file_host_dependencies():
    code = textwrap.dedent("""
        import sys

        class NotInPyodide:
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in ("python_calamine", "lxml"):
                    raise ImportError("no " + name + " in Pyodide")

        sys.meta_path.insert(0, NotInPyodide())
        import udfs
        from xladdin.handlers import rescore
        from xladdin.hosts.xlwings_host import XlwingsHost
        import xladdin.ribbon  # the @xw.script buttons of xlwings Server and Lite
        print(udfs.RULE_SCORE("ratio", 10, [[1], [2]], [[2], [2]]))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[5.0], [10.0]]"      # 10 × 1/2 and 10 × 2/2
