from django.urls import path

from simrenew.web.kiosk import enrolment, views

app_name = "kiosk"
urlpatterns = [
    path("<slug:kiosk>/", views.start, name="start"),
    path("<slug:kiosk>/enrol/", enrolment.enrol, name="enrol"),
    path("<slug:kiosk>/number/<str:action>/", views.number, name="number"),
    path("<slug:kiosk>/balance/<str:token>/code/", views.balance_code, name="balance_code"),
    path("<slug:kiosk>/balance/<str:token>/", views.balance, name="balance"),
    path("<slug:kiosk>/topup/<str:ref>/", views.topup, name="topup"),
    path("<slug:kiosk>/renew/<str:ref>/", views.renew, name="renew"),
    path("<slug:kiosk>/card/<str:ref>/", views.card, name="card"),
    path("<slug:kiosk>/card-payment/<str:reference>/", views.card_wait, name="card_wait"),
    path("<slug:kiosk>/card-payment/<str:reference>/status/", views.card_wait_status, name="card_wait_status"),
    path("<slug:kiosk>/card-payment/<str:reference>/cancel/", views.card_wait_cancel, name="card_wait_cancel"),
    path("<slug:kiosk>/cash/<str:token>/", views.cash, name="cash"),
    path("<slug:kiosk>/cash/<str:token>/status/", views.cash_status, name="cash_status"),
    path("<slug:kiosk>/cash/<str:token>/done/", views.cash_done, name="cash_done"),
    path("<slug:kiosk>/done/<str:number>/", views.done, name="done"),
    path("<slug:kiosk>/receipt/<str:number>/", views.receipt, name="receipt"),
    path("<slug:kiosk>/voucher/<str:ref>/", views.voucher, name="voucher"),
]
