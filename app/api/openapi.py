"""The OpenAPI 3 description of the public API; a test validates real responses against it."""

_TIME = {"type": "string", "format": "date-time", "pattern": "Z$"}
_ERROR = {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(schema_ref: str) -> dict:
    return {"description": "OK", "content": {"application/json": {"schema": {"$ref": schema_ref}}}}


_COURSE_FIELDS = {
    "slug": {"type": "string"},
    "title": {"type": "string"},
    "level": {"enum": ["core", "advanced"]},
    "summary": {"type": "string"},
    "language": {"type": "string"},
    "min_group_size": {"type": "integer"},
    "prerequisites": {"type": "array", "items": {"type": "string"}},
    "accepts_equivalent_experience": {"type": "boolean"},
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message", "status"],
        "properties": {"error": {"type": "string"}, "message": {"type": "string"}, "status": {"type": "integer"}},
    },
    "CourseSummary": {
        "type": "object",
        "additionalProperties": False,
        "required": [*_COURSE_FIELDS, "sessions"],
        "properties": {**_COURSE_FIELDS, "sessions": {"type": "integer"}},
    },
    "Course": {
        "type": "object",
        "additionalProperties": False,
        "required": [*_COURSE_FIELDS, "sessions", "readings"],
        "properties": {
            **_COURSE_FIELDS,
            "sessions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["number", "title", "plenary_minutes", "breakout_minutes", "readings"],
                    "properties": {
                        "number": {"type": "integer"},
                        "title": {"type": "string"},
                        "plenary_minutes": {"type": "integer"},
                        "breakout_minutes": {"type": "integer"},
                        "readings": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "readings": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["slug", "title", "estimated_minutes"],
                    "properties": {
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "estimated_minutes": {"type": "integer"},
                    },
                },
            },
        },
    },
    "Cohort": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "label",
            "course",
            "host_time_zone",
            "registration_deadline",
            "capacity",
            "seats_left",
            "min_group_size",
            "status",
            "sessions",
        ],
        "properties": {
            "id": {"type": "integer"},
            "label": {"type": "string"},
            "course": {"type": "string"},
            "host_time_zone": {"type": "string"},
            "registration_deadline": _TIME,
            "capacity": {"type": "integer"},
            "seats_left": {"type": "integer"},
            "min_group_size": {"type": "integer"},
            "status": {"enum": ["open", "closed", "running", "completed", "cancelled"]},
            "sessions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["number", "title", "starts_at", "ends_at", "plenary_minutes", "breakout_minutes"],
                    "properties": {
                        "number": {"type": "integer"},
                        "title": {"type": "string"},
                        "starts_at": _TIME,
                        "ends_at": _TIME,
                        "plenary_minutes": {"type": "integer"},
                        "breakout_minutes": {"type": "integer"},
                    },
                },
            },
        },
    },
    "CourseList": {
        "type": "object",
        "required": ["courses"],
        "properties": {"courses": {"type": "array", "items": {"$ref": "#/components/schemas/CourseSummary"}}},
    },
    "CohortList": {
        "type": "object",
        "required": ["cohorts"],
        "properties": {"cohorts": {"type": "array", "items": {"$ref": "#/components/schemas/Cohort"}}},
    },
}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Plenary public API",
            "version": "1.0.0",
            "description": "Read-only: courses and their open and upcoming cohorts. Instants are UTC.",
        },
        "paths": {
            "/api/v1/courses": {
                "get": {
                    "summary": "Courses in the catalogue",
                    "responses": {"200": _ok("#/components/schemas/CourseList")},
                }
            },
            "/api/v1/courses/{slug}": {
                "get": {
                    "summary": "One course with its sessions and readings",
                    "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": _ok("#/components/schemas/Course"), "404": _ERROR},
                }
            },
            "/api/v1/cohorts": {
                "get": {
                    "summary": "Open and upcoming cohorts",
                    "parameters": [
                        {
                            "name": "course",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "Only cohorts of this course (slug).",
                        }
                    ],
                    "responses": {"200": _ok("#/components/schemas/CohortList"), "400": _ERROR, "404": _ERROR},
                }
            },
            "/api/v1/cohorts/{id}": {
                "get": {
                    "summary": "One cohort with its sessions",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": _ok("#/components/schemas/Cohort"), "404": _ERROR},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
