from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from competences.models import ProficiencyLevel
from core.uploads import document_type

from ..models import LONG_TEXT_MAX, MAX_EVIDENCE_FILES, AssessmentMethod, ReviewDecision
from .fields import IdsChoiceField, MultipleFileField

TRAINER_METHODS = [(value, label) for value, label in AssessmentMethod.choices if value != "self"]


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.rank} — {obj.label}"


class DescribedLevelChoiceField(LevelChoiceField):
    """Levels with their descriptors: a person positioning themselves reads what each means."""

    def label_from_instance(self, obj):
        label = super().label_from_instance(obj)
        return f"{label} : {obj.description}" if obj.description else label


class CriteriaField(IdsChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.text}"


def _levels(version):
    return ProficiencyLevel.objects.filter(version=version).order_by("rank")


class AssessmentForm(forms.Form):
    level = LevelChoiceField(label=_("Niveau"), queryset=ProficiencyLevel.objects.none())
    criteria = CriteriaField(
        label=_("Critères observés"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    method = forms.ChoiceField(label=_("Méthode"), choices=TRAINER_METHODS)
    assessed_on = forms.DateField(
        label=_("Date de l'évaluation"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT_MAX,
    )
    evidence = forms.CharField(
        label=_("Preuves"),
        required=False,
        help_text=_("Ce qui a été observé ou produit (document, situation, quiz…)."),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT_MAX,
    )

    evidence_files = MultipleFileField(
        label=_("Fichiers de preuve"),
        required=False,
        check_each=document_type,
    )

    def clean_evidence_files(self):
        files = self.cleaned_data["evidence_files"]
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(
                _("Joignez au plus %(n)s fichiers.") % {"n": MAX_EVIDENCE_FILES}
            )
        return files

    def __init__(self, *args, version, competence, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("assessed_on", timezone.localdate())
        kwargs["initial"].setdefault("method", AssessmentMethod.OBSERVATION)
        super().__init__(*args, **kwargs)
        self.fields["evidence_files"].help_text = _(
            "Une photo, un document : PDF, PNG ou JPEG, 5 Mo au plus chacun, %(n)s fichiers au "
            "plus. Seuls la personne évaluée, les formateurs de la session et la coordination "
            "du hub peuvent les ouvrir."
        ) % {"n": MAX_EVIDENCE_FILES}
        self.fields["level"].queryset = _levels(version)
        self.fields["criteria"].queryset = competence.criteria.order_by("order", "code")


class CompetenceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} — {obj.title}"


class SelfAssessmentForm(forms.Form):
    competence = CompetenceChoiceField(label=_("Compétence"), queryset=None)
    level = DescribedLevelChoiceField(
        label=_("Où en êtes-vous ?"),
        queryset=ProficiencyLevel.objects.none(),
        widget=forms.RadioSelect,
    )
    criteria = CriteriaField(
        label=_("Ce que je sais déjà faire"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    session = forms.ModelChoiceField(
        label=_("En lien avec la session"),
        queryset=None,
        required=False,
        empty_label=_("Aucune (positionnement libre)"),
        help_text=_("Avant ou après une session à laquelle vous êtes inscrit·e."),
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT_MAX,
    )

    def __init__(self, *args, competences, competence, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence"].queryset = competences
        self.fields["session"].queryset = sessions
        if competence is None:
            for name in ("level", "criteria", "session", "comment"):
                del self.fields[name]
        else:
            self.fields["level"].queryset = _levels(competence.version)
            self.fields["criteria"].queryset = competence.criteria.order_by("order", "code")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[
            (ReviewDecision.CONFIRMED, _("Confirmer l'évaluation du formateur pair")),
            (ReviewDecision.OVERRIDDEN, _("La remplacer par ma propre évaluation")),
        ],
        widget=forms.RadioSelect,
    )
    replacement_level = LevelChoiceField(
        label=_("Niveau retenu (en cas de remplacement)"),
        queryset=ProficiencyLevel.objects.none(),
        required=False,
    )
    replacement_criteria = CriteriaField(
        label=_("Critères observés (en cas de remplacement)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    replacement_method = forms.ChoiceField(
        label=_("Méthode (en cas de remplacement)"),
        choices=[("", "—"), *TRAINER_METHODS],
        required=False,
    )
    comment = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT_MAX,
    )

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, **kwargs)
        competence = assessment.competence
        self.fields["replacement_level"].queryset = _levels(competence.version)
        self.fields["replacement_criteria"].queryset = competence.criteria.order_by("order", "code")
