"""Import every model so that ``Base.metadata`` is complete (Alembic, tests).

An entry-floor module: it imports every domain, so nothing below the entry points imports it.
"""

from glucolens.alerts import models as alerts_models  # noqa: F401
from glucolens.auth import models as auth_models  # noqa: F401
from glucolens.core import scheduler_models  # noqa: F401
from glucolens.experiments import models as experiments_models  # noqa: F401
from glucolens.insights import models as insights_models  # noqa: F401
from glucolens.integrations.healthkit import models as healthkit_models  # noqa: F401
from glucolens.integrations.importers import models as importers_models  # noqa: F401
from glucolens.integrations.nightscout import models as nightscout_models  # noqa: F401
from glucolens.lifestyle import models as lifestyle_models  # noqa: F401
from glucolens.readings import models as readings_models  # noqa: F401
from glucolens.reports import models as reports_models  # noqa: F401
