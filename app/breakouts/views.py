from flask import Blueprint

bp = Blueprint("breakouts", __name__, template_folder="templates")
