"""The registry API: teams, skill taxonomy, people, person skills, learning goals.

Plain CRUD is a ViewSet per resource (reads for every signed-in role, writes through
the services); business actions (deactivate, validate) are their own API classes.
People are deactivated, never deleted. ``people/search/`` belongs to search_apis.py:
every detail route here only matches digits, so it can never shadow it.
"""

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, URLResolver, path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from teamhub.core.models import User
from teamhub.core.permissions import IsManager, ReadOnlyOrManager
from teamhub.core.roles import Role, user_has_role
from teamhub.people import services, services_registry
from teamhub.people.filters import (
    LearningGoalFilter,
    PersonFilter,
    PersonSkillFilter,
    SkillCategoryFilter,
    SkillFilter,
    TeamFilter,
)
from teamhub.people.models import (
    Interest,
    LearningGoal,
    Person,
    PersonSkill,
    Skill,
    SkillCategory,
    Team,
)
from teamhub.people.permissions import can_edit_person_skills
from teamhub.people.serializers import (
    LearningGoalSerializer,
    PersonDetailSerializer,
    PersonSerializer,
    PersonSkillSerializer,
    SkillCategorySerializer,
    SkillSerializer,
    TeamSerializer,
    level_field,
)

# Ids in URLs are digits only, so ``people/search/`` is never a person's detail.
ID = r"\d+"


def actor_of(request: Request) -> User:
    """Return the signed-in user (the permission classes refuse anyone else)."""
    user = request.user
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


class RegistryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Any]
):
    """List (paginated, filtered, ordered) and detail; subclasses add writes."""

    filter_backends = [DjangoFilterBackend]
    lookup_value_regex = ID
    # Updates are partial (PATCH); PUT is not offered.
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def refetch(self, instance: Any) -> Any:
        """Return ``instance`` as the list would show it (annotations, relations)."""
        return self.get_queryset().get(pk=instance.pk)

    def respond(self, instance: Any, *, created: bool = False) -> Response:
        serializer = self.get_serializer(self.refetch(instance))
        return Response(
            serializer.data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


def validated_input(
    serializer_class: type[serializers.Serializer[Any]], request: Request
) -> dict[str, Any]:
    """Return the validated request body; bad input raises 400 ``{field: [...]}``."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


# Teams -------------------------------------------------------------------------


class TeamCreateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    # (``parent`` shadows Field.parent in the DRF stubs only; at run time DRF
    # keeps declared fields apart.)
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Team.objects.all(), required=False, allow_null=True
    )


class TeamUpdateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    # (``parent`` shadows Field.parent in the DRF stubs only; at run time DRF
    # keeps declared fields apart.)
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Team.objects.all(), required=False, allow_null=True
    )


@extend_schema_view(
    create=extend_schema(
        request=TeamCreateInputSerializer, responses={201: TeamSerializer}
    ),
    partial_update=extend_schema(
        request=TeamUpdateInputSerializer, responses=TeamSerializer
    ),
)
class TeamViewSet(RegistryViewSet):
    permission_classes = [ReadOnlyOrManager]
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Team]:
        return (
            Team.objects.select_related("parent")
            .annotate(member_count=Count("members", filter=Q(members__active=True)))
            .order_by("name", "pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(TeamCreateInputSerializer, request)
        team = services_registry.team_create(actor=actor_of(request), **data)
        return self.respond(team, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        team = self.get_object()
        data = validated_input(TeamUpdateInputSerializer, request)
        team = services_registry.team_update(actor=actor_of(request), team=team, **data)
        return self.respond(team)


# Skill categories and skills ---------------------------------------------------


class SkillCategoryInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)


@extend_schema_view(
    create=extend_schema(
        request=SkillCategoryInputSerializer, responses={201: SkillCategorySerializer}
    ),
    partial_update=extend_schema(
        request=SkillCategoryInputSerializer, responses=SkillCategorySerializer
    ),
)
class SkillCategoryViewSet(RegistryViewSet):
    permission_classes = [ReadOnlyOrManager]
    serializer_class = SkillCategorySerializer
    filterset_class = SkillCategoryFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[SkillCategory]:
        return SkillCategory.objects.annotate(skill_count=Count("skills")).order_by(
            "name", "pk"
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(SkillCategoryInputSerializer, request)
        category = services_registry.skill_category_create(
            actor=actor_of(request), **data
        )
        return self.respond(category, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        category = self.get_object()
        data = validated_input(SkillCategoryInputSerializer, request)
        category = services_registry.skill_category_update(
            actor=actor_of(request), category=category, **data
        )
        return self.respond(category)


class _AliasesField(serializers.ListField):
    # Blank entries are let through so the service answers with one message on
    # ``aliases`` instead of DRF's per-index dictionary.
    child = serializers.CharField(allow_blank=True, trim_whitespace=False)


class SkillCreateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    category = serializers.PrimaryKeyRelatedField(queryset=SkillCategory.objects.all())
    # (``parent`` shadows Field.parent in the DRF stubs only; at run time DRF
    # keeps declared fields apart.)
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Skill.objects.all(), required=False, allow_null=True
    )
    aliases = _AliasesField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


class SkillUpdateInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    category = serializers.PrimaryKeyRelatedField(
        queryset=SkillCategory.objects.all(), required=False
    )
    # (``parent`` shadows Field.parent in the DRF stubs only; at run time DRF
    # keeps declared fields apart.)
    parent = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        queryset=Skill.objects.all(), required=False, allow_null=True
    )
    aliases = _AliasesField(required=False)
    description = serializers.CharField(required=False, allow_blank=True)


@extend_schema_view(
    create=extend_schema(
        request=SkillCreateInputSerializer, responses={201: SkillSerializer}
    ),
    partial_update=extend_schema(
        request=SkillUpdateInputSerializer, responses=SkillSerializer
    ),
)
class SkillViewSet(RegistryViewSet):
    permission_classes = [ReadOnlyOrManager]
    serializer_class = SkillSerializer
    filterset_class = SkillFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Skill]:
        return (
            Skill.objects.select_related("category")
            .annotate(
                holder_count=Count("holders", filter=Q(holders__person__active=True))
            )
            .order_by("name", "pk")
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(SkillCreateInputSerializer, request)
        skill = services_registry.skill_create(actor=actor_of(request), **data)
        return self.respond(skill, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        skill = self.get_object()
        data = validated_input(SkillUpdateInputSerializer, request)
        skill = services_registry.skill_update(
            actor=actor_of(request), skill=skill, **data
        )
        return self.respond(skill)


# People ------------------------------------------------------------------------


class PersonUpdateInputSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=254, required=False)
    first_name = serializers.CharField(max_length=150, required=False)
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    title = serializers.CharField(max_length=120, required=False, allow_blank=True)
    location = serializers.CharField(max_length=120, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False)
    capacity_fte = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=0,
        max_value=1,
        required=False,
        help_text="Share of a full-time week (0-1).",
    )
    manager = serializers.PrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True
    )


class PersonCreateInputSerializer(PersonUpdateInputSerializer):
    username = serializers.CharField(max_length=150)
    email = serializers.EmailField(max_length=254)
    first_name = serializers.CharField(max_length=150)
    send_password_link = serializers.BooleanField(
        default=False,
        help_text="E-mail them a one-time link to set their password.",
    )


def _people() -> QuerySet[Person]:
    return Person.objects.select_related("user", "team", "manager__user")


def _person_with_skills() -> QuerySet[Person]:
    return _people().prefetch_related(
        Prefetch(
            "skills",
            queryset=PersonSkill.objects.select_related(
                "skill__category", "validated_by"
            ),
        ),
        Prefetch(
            "learning_goals",
            queryset=LearningGoal.objects.select_related("skill__category"),
        ),
    )


@extend_schema_view(
    list=extend_schema(
        description="People in the registry. `search` matches name, username and "
        "e-mail; `skill` (+ `min_level`) keeps people holding the skill at that "
        "level or above."
    ),
    retrieve=extend_schema(responses=PersonDetailSerializer),
    create=extend_schema(
        description="Create a person and their login (username, unique e-mail); "
        "`send_password_link` e-mails them a link to set their password.",
        request=PersonCreateInputSerializer,
        responses={201: PersonDetailSerializer},
    ),
    partial_update=extend_schema(
        request=PersonUpdateInputSerializer, responses=PersonDetailSerializer
    ),
)
class PersonViewSet(RegistryViewSet):
    permission_classes = [ReadOnlyOrManager]
    filterset_class = PersonFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Person]:
        return _people() if self.action == "list" else _person_with_skills()

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return PersonSerializer if self.action == "list" else PersonDetailSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(PersonCreateInputSerializer, request)
        person = services_registry.person_create(actor=actor_of(request), **data)
        return self.respond(person, created=True)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        data = validated_input(PersonUpdateInputSerializer, request)
        person = services_registry.person_update(
            actor=actor_of(request), person=person, **data
        )
        return self.respond(person)


class PersonDeactivateApi(APIView):
    permission_classes = [IsAuthenticated, IsManager]

    @extend_schema(
        request=None,
        responses=PersonSerializer,
        description="Take a person out of the active registry (there is no delete).",
    )
    def post(self, request: Request, pk: int) -> Response:
        person = services_registry.person_deactivate(
            actor=actor_of(request), person=get_object_or_404(Person, pk=pk)
        )
        return Response(
            PersonSerializer(
                _people().get(pk=person.pk), context={"request": request}
            ).data
        )


class PersonReactivateApi(APIView):
    permission_classes = [IsAuthenticated, IsManager]

    @extend_schema(request=None, responses=PersonSerializer)
    def post(self, request: Request, pk: int) -> Response:
        person = services_registry.person_reactivate(
            actor=actor_of(request), person=get_object_or_404(Person, pk=pk)
        )
        return Response(
            PersonSerializer(
                _people().get(pk=person.pk), context={"request": request}
            ).data
        )


# Person skills and learning goals ----------------------------------------------


class CanEditPersonSkills(BasePermission):
    """Everyone signed in reads; a person edits their own, managers anyone's."""

    message = "You may only edit your own skills and learning goals."

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        return user_has_role(request.user, Role.MANAGER, Role.DATA_SCIENTIST)

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return can_edit_person_skills(request.user, obj.person)


class PersonSkillCreateInputSerializer(serializers.Serializer[Any]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    skill = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.all())
    level = level_field()
    interest = serializers.ChoiceField(choices=Interest.choices, required=False)
    last_used = serializers.DateField(required=False)


class PersonSkillUpdateInputSerializer(serializers.Serializer[Any]):
    level = level_field(required=False)
    interest = serializers.ChoiceField(choices=Interest.choices, required=False)
    last_used = serializers.DateField(required=False)


def _person_skills() -> QuerySet[PersonSkill]:
    return PersonSkill.objects.select_related(
        "person__user", "skill__category", "validated_by"
    )


@extend_schema_view(
    create=extend_schema(
        description="Set a skill level (creates the person skill, or changes it if "
        "the person already holds the skill: 201 or 200). A person's own change is "
        "self-assessed; a manager's change of someone else counts as validated.",
        request=PersonSkillCreateInputSerializer,
        responses={201: PersonSkillSerializer, 200: PersonSkillSerializer},
    ),
    partial_update=extend_schema(
        request=PersonSkillUpdateInputSerializer, responses=PersonSkillSerializer
    ),
)
class PersonSkillViewSet(mixins.DestroyModelMixin, RegistryViewSet):
    permission_classes = [CanEditPersonSkills]
    serializer_class = PersonSkillSerializer
    filterset_class = PersonSkillFilter

    def get_queryset(self) -> QuerySet[PersonSkill]:
        return _person_skills().order_by("skill__name", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(PersonSkillCreateInputSerializer, request)
        existed = PersonSkill.objects.filter(
            person=data["person"], skill=data["skill"]
        ).exists()
        person_skill = services.person_skill_set(actor=actor_of(request), **data)
        return self.respond(person_skill, created=not existed)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person_skill = self.get_object()
        data = validated_input(PersonSkillUpdateInputSerializer, request)
        person_skill = services.person_skill_set(
            actor=actor_of(request),
            person=person_skill.person,
            skill=person_skill.skill,
            level=data.get("level", person_skill.level),
            interest=data.get("interest"),
            last_used=data.get("last_used"),
        )
        return self.respond(person_skill)

    def perform_destroy(self, instance: PersonSkill) -> None:
        services.person_skill_remove(
            actor=actor_of(self.request), person_skill=instance
        )


class PersonSkillValidateApi(APIView):
    """A manager confirms (or corrects) someone's level."""

    permission_classes = [IsAuthenticated, IsManager]

    class PersonSkillValidateInputSerializer(serializers.Serializer[Any]):
        level = level_field(required=False)

    @extend_schema(
        request=PersonSkillValidateInputSerializer, responses=PersonSkillSerializer
    )
    def post(self, request: Request, pk: int) -> Response:
        person_skill = get_object_or_404(_person_skills(), pk=pk)
        data = validated_input(self.PersonSkillValidateInputSerializer, request)
        person_skill = services.person_skill_validate(
            actor=actor_of(request), person_skill=person_skill, level=data.get("level")
        )
        return Response(
            PersonSkillSerializer(
                _person_skills().get(pk=person_skill.pk), context={"request": request}
            ).data
        )


class LearningGoalCreateInputSerializer(serializers.Serializer[Any]):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    skill = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.all())
    target_level = level_field()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class LearningGoalUpdateInputSerializer(serializers.Serializer[Any]):
    target_level = level_field(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


@extend_schema_view(
    create=extend_schema(
        description="Set what a person wants to learn (201 new, 200 changed).",
        request=LearningGoalCreateInputSerializer,
        responses={201: LearningGoalSerializer, 200: LearningGoalSerializer},
    ),
    partial_update=extend_schema(
        request=LearningGoalUpdateInputSerializer, responses=LearningGoalSerializer
    ),
)
class LearningGoalViewSet(mixins.DestroyModelMixin, RegistryViewSet):
    permission_classes = [CanEditPersonSkills]
    serializer_class = LearningGoalSerializer
    filterset_class = LearningGoalFilter

    def get_queryset(self) -> QuerySet[LearningGoal]:
        return LearningGoal.objects.select_related(
            "person__user", "skill__category"
        ).order_by("skill__name", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated_input(LearningGoalCreateInputSerializer, request)
        existed = LearningGoal.objects.filter(
            person=data["person"], skill=data["skill"]
        ).exists()
        goal = services.learning_goal_set(actor=actor_of(request), **data)
        return self.respond(goal, created=not existed)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        data = validated_input(LearningGoalUpdateInputSerializer, request)
        goal = services.learning_goal_set(
            actor=actor_of(request),
            person=goal.person,
            skill=goal.skill,
            target_level=data.get("target_level", goal.target_level),
            note=data.get("note", goal.note),
        )
        return self.respond(goal)

    def perform_destroy(self, instance: LearningGoal) -> None:
        services.learning_goal_remove(actor=actor_of(self.request), goal=instance)


router = SimpleRouter(trailing_slash=True)
router.register("teams", TeamViewSet, basename="api-team")
router.register("skill-categories", SkillCategoryViewSet, basename="api-skill-category")
router.register("skills", SkillViewSet, basename="api-skill")
router.register("people", PersonViewSet, basename="api-person")
router.register("person-skills", PersonSkillViewSet, basename="api-person-skill")
router.register("learning-goals", LearningGoalViewSet, basename="api-learning-goal")

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "people/<int:pk>/deactivate/",
        PersonDeactivateApi.as_view(),
        name="api-person-deactivate",
    ),
    path(
        "people/<int:pk>/reactivate/",
        PersonReactivateApi.as_view(),
        name="api-person-reactivate",
    ),
    path(
        "person-skills/<int:pk>/validate/",
        PersonSkillValidateApi.as_view(),
        name="api-person-skill-validate",
    ),
    *router.urls,
]
