from strata_kit.errors import Conflict, NotFound


class TemplateNotFound(NotFound):
    title = "Template not found"
    slug = "template-not-found"


class TemplateVersionNotFound(NotFound):
    title = "Template version not found"
    slug = "template-version-not-found"


class TemplateNameTaken(Conflict):
    title = "Template name taken"
    slug = "template-name-taken"
