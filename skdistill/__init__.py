"""skdistill: model distillation and learning with privileged information.

Scikit-learn estimators whose student learns from ordinary features ``X`` while
being guided by the answers of an already fitted *teacher*, which may see
privileged features ``X_star`` available at training time only (Grabovoy &
Strijov, 2021; Lopez-Paz et al., 2016; Hinton et al., 2015).
"""

from ._bayesian import BayesianDistilledRegressor
from ._classifier import DistilledClassifier
from ._classifier_cv import DistilledClassifierCV
from ._regressor import DistilledRegressor
from ._regressor_cv import DistilledRegressorCV
from ._teacher import TeacherAnswers, teacher_answers

__version__ = "0.1.0"

__all__ = [
    "BayesianDistilledRegressor",
    "DistilledClassifier",
    "DistilledClassifierCV",
    "DistilledRegressor",
    "DistilledRegressorCV",
    "TeacherAnswers",
    "teacher_answers",
    "__version__",
]
