from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _


class ImportFileForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV ou XLSX"),
        validators=[FileExtensionValidator(["csv", "xlsx", "txt"])],
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
