from flask.cli import AppGroup

from app.registration.cli import close_registration_command

cohorts_cli = AppGroup("cohorts", help="Schedule cohorts and manage their registration.")
cohorts_cli.add_command(close_registration_command)
