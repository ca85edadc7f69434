from umot.cli import app

app(prog_name="umot")
