"""Forms of the hub's follow-up pages: filters, enrolling a list of people, manual validation,
withdrawal of a decision, moving an enrolment to another rule set, and the simulation."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from accounts.selectors import departements_choices
from competences.models import Pathway, VersionStatus

from .models import AttestationStatus, EnrollmentStatus, Issuer
from .services.issuer import ISSUER_FIELDS

MAX_PROOF_BYTES = 5 * 1024 * 1024
MAX_EMAILS = 200


class PathwayChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title} ({obj.version})"


def _pathways():
    return Pathway.objects.filter(version__status=VersionStatus.PUBLISHED).select_related(
        "version__referential"
    )


class EnrollmentFilterForm(forms.Form):
    q = forms.CharField(label=_("Nom ou e-mail"), required=False, max_length=100)
    pathway = PathwayChoiceField(label=_("Parcours"), required=False, queryset=_pathways())
    status = forms.ChoiceField(
        label=_("Statut"), required=False, choices=[("", _("Tous"))] + EnrollmentStatus.choices
    )
    departement = forms.ChoiceField(label=_("Département"), required=False)
    structure = forms.CharField(label=_("Structure"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departement"].choices = [("", _("Tous"))] + [
            (d.code, f"{d.code} — {d.name}") for d in departements_choices()
        ]

    def filters(self):
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data["q"].strip(),
            "pathway": data["pathway"],
            "status": data["status"],
            "departement": data["departement"],
            "structure": data["structure"].strip(),
        }


class EnrollManyForm(forms.Form):
    pathway = PathwayChoiceField(label=_("Parcours"), queryset=_pathways().filter(is_active=True))
    emails = forms.CharField(
        label=_("Adresses e-mail"),
        help_text=_("Une adresse par ligne (200 au plus). Chaque personne doit avoir un compte."),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=MAX_EMAILS * 260,
    )

    def clean_emails(self):
        lines = [line.strip() for line in self.cleaned_data["emails"].splitlines()]
        emails = [line for line in lines if line]
        if len(emails) > MAX_EMAILS:
            raise forms.ValidationError(
                _("%(count)s adresses : %(max)s au plus à la fois.")
                % {"count": len(emails), "max": MAX_EMAILS}
            )
        users = {
            user.email.lower(): user
            for user in get_user_model().objects.filter(email__in=[e.lower() for e in emails])
        }
        unknown = [
            _("ligne %(n)s : %(email)s") % {"n": number, "email": line}
            for number, line in enumerate(lines, 1)
            if line and line.lower() not in users
        ]
        if unknown:
            raise forms.ValidationError(
                _("Aucun compte pour : %(list)s. Personne n'a été inscrit.")
                % {"list": " ; ".join(unknown)}
            )
        self.users = list(dict.fromkeys(users[e.lower()] for e in emails))
        return emails


class ManualValidationForm(forms.Form):
    bloc = forms.ChoiceField(label=_("Ce qui est validé"))
    recognised = forms.CharField(
        label=_("Certification reconnue"),
        required=False,
        max_length=200,
        help_text=_(
            "Par exemple : Pix (niveau avancé), CléA numérique, CCP « Conseiller médiateur "
            "numérique »."
        ),
    )
    competences = forms.MultipleChoiceField(
        label=_("Compétences couvertes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("Motif"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    proof = forms.FileField(
        label=_("Justificatif"),
        help_text=_("PDF, PNG ou JPEG, 5 Mo au plus."),
        validators=[FileExtensionValidator(["pdf", "png", "jpg", "jpeg"])],
    )

    def __init__(self, *args, rules, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bloc"].choices = [("", _("La certification du parcours entier"))] + [
            (bloc["lineage"], f"{bloc['code']} — {bloc['title']}") for bloc in rules["blocs"]
        ]
        self.fields["bloc"].required = False
        self.fields["competences"].choices = [
            (c["lineage"], f"{c['code']} — {c['title']}")
            for bloc in rules["blocs"]
            for c in bloc["competences"]
        ]
        self.version = version

    def clean_proof(self):
        proof = self.cleaned_data["proof"]
        if proof.size > MAX_PROOF_BYTES:
            raise forms.ValidationError(_("Le justificatif dépasse 5 Mo."))
        return proof

    def chosen_bloc(self):
        lineage = self.cleaned_data.get("bloc")
        return self.version.blocs.get(lineage=lineage) if lineage else None

    def chosen_competences(self):
        return list(
            self.version.competences.filter(lineage__in=self.cleaned_data.get("competences") or [])
        )


class WithdrawDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du retrait"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MoveRuleSetForm(forms.Form):
    rule_set = forms.ModelChoiceField(label=_("Règles à appliquer"), queryset=None)

    def __init__(self, *args, enrollment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_set"].queryset = enrollment.pathway.rule_sets.exclude(
            pk=enrollment.rule_set_id
        ).order_by("-number")
        self.fields["rule_set"].label_from_instance = lambda rule_set: (
            _("Règles n°%(n)s du %(day)s")
            % {"n": rule_set.number, "day": rule_set.created_at.date().isoformat()}
        )


class SimulationForm(forms.Form):
    competences = forms.MultipleChoiceField(
        label=_("Si ces compétences étaient au niveau requis"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, missing, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].choices = [(c.lineage, f"{c.code} — {c.title}") for c in missing]


class IssuerForm(forms.ModelForm):
    class Meta:
        model = Issuer
        fields = list(ISSUER_FIELDS)
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "size") and logo.size > 1024 * 1024:
            raise forms.ValidationError(_("Le logo dépasse 1 Mo."))
        return logo


class AttestationStatusForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Motif"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, attestation, **kwargs):
        super().__init__(*args, **kwargs)
        choices = []
        if attestation.status == AttestationStatus.VALID:
            choices.append(("suspend", _("Suspendre (réversible)")))
        if attestation.status == AttestationStatus.SUSPENDED:
            choices.append(("reinstate", _("Rétablir")))
        if attestation.status != AttestationStatus.REVOKED:
            choices.append(("revoke", _("Révoquer (définitif)")))
        self.fields["action"].choices = choices
