from django.contrib import admin

from pupils import models


@admin.register(models.Trust)
class TrustAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "trust", "ks2_span", "points_scheme", "quartile_expectations"]
    search_fields = ["name", "code"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "school", "role"]
    list_filter = ["school", "role"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user", "school"]


@admin.register(models.TrustMembership)
class TrustMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "trust"]


@admin.register(models.Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "core", "position"]


class RegisterEntryInline(admin.TabularInline):
    model = models.RegisterEntry
    extra = 0


@admin.register(models.Pupil)
class PupilAdmin(admin.ModelAdmin):
    list_display = ["upn", "surname", "forename", "year_group", "school", "pupil_premium", "leaving_date"]
    list_filter = ["school", "year_group", "pupil_premium", "eal", "looked_after"]
    search_fields = ["upn", "surname", "forename"]
    inlines = [RegisterEntryInline]


@admin.register(models.TeachingGroup)
class TeachingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "subject", "year_group", "school"]
    list_filter = ["school", "subject", "year_group"]
    filter_horizontal = ["staff"]
    raw_id_fields = ["pupils"]


@admin.register(models.RegisterEntry)
class RegisterEntryAdmin(admin.ModelAdmin):
    list_display = ["pupil", "provision", "primary_need", "secondary_need", "start_date", "end_date", "review_date"]
    list_filter = ["provision", "primary_need"]
    search_fields = ["pupil__upn", "pupil__surname"]
    raw_id_fields = ["pupil"]


@admin.register(models.PupilProfile)
class PupilProfileAdmin(admin.ModelAdmin):
    raw_id_fields = ["pupil"]


@admin.register(models.Concern)
class ConcernAdmin(admin.ModelAdmin):
    list_display = ["pupil", "raised_on", "closed_on"]
    raw_id_fields = ["pupil"]
